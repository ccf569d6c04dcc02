"""Services zone (docs/architecture.md §4): the CPP's services register and published need figures, never pupil-level data."""
