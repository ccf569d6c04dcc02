"""Hostile and careless deliveries: every one refused or neutralised with a clear message, nothing leaked."""
