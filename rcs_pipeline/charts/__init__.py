"""Charts for the reports: one accessible, colour-blind-safe matplotlib style, with alt text from the data."""
