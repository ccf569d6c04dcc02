"""One sub-package per zone of DESIGN §4; each module's Dagster objects are loaded by assets.definitions."""
