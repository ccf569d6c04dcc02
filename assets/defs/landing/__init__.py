"""Landing zone: every delivery read strictly against the input contract before anything is written."""
