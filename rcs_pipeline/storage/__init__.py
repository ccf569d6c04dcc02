"""Atomic file writes and Parquet exchange for every zone."""

from rcs_pipeline.storage.parquet import read_parquet, write_bytes_atomic, write_parquet_atomic

__all__ = ["read_parquet", "write_bytes_atomic", "write_parquet_atomic"]
