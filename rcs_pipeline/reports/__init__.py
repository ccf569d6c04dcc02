"""Wellbeing profile reports (docs/architecture.md §9): council, cluster and school PDFs and spreadsheets from published tables."""
