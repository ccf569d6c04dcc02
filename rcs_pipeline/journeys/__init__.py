"""Journeys: the same children followed across a council's waves by their link id (docs/methods/journeys.md).

`longitudinal` builds the linkage-zone table (link id, wave, measures; no identifier, no token), `tables` the
aggregate journey tables, `protect` their disclosure control with the project's suppression and audit.
"""
