"""The Dagster layer of rcs-pipeline: thin assets, checks, sensors and schedules over the rcs_pipeline library."""
