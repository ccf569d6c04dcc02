"""One sub-package per zone of docs/architecture.md §4; each module's Dagster objects are loaded by assets.definitions."""
