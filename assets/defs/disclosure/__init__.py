"""Disclosure zone (docs/architecture.md §8): primary and secondary suppression, publishable tables, the attacker audit."""
