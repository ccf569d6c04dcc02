"""Data-quality gates on tables built by other zones."""
