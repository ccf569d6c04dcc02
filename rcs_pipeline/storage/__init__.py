"""Storage: one partition's tables (`Partition`), atomic file writes and Parquet exchange for every zone."""

from rcs_pipeline.storage.parquet import read_parquet, write_bytes_atomic, write_parquet_atomic
from rcs_pipeline.storage.partition import Partition

__all__ = ["Partition", "read_parquet", "write_bytes_atomic", "write_parquet_atomic"]
