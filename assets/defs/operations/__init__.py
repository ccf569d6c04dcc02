"""Operations: the refresh job, the landing sensor and the nightly wave refresh schedule."""
