"""Wellbeing profile reports (DESIGN §9): council, cluster and school PDFs and spreadsheets from published tables."""
