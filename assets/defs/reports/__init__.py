"""Reports zone (docs/architecture.md §9): council, cluster and school wellbeing profiles from published tables only."""
