"""rcs-pipeline: the Dagster-free library behind the Realigning Children's Services analytics workflow."""

__version__ = "0.1.0"
