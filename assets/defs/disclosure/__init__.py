"""Disclosure zone (DESIGN §8): primary and secondary suppression, publishable tables, the attacker audit."""
