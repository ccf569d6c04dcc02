"""Reports zone (DESIGN §9): council, cluster and school wellbeing profiles from published tables only."""
