"""Services zone (DESIGN §4): the CPP's services register and published need figures, never pupil-level data."""
