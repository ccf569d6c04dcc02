"""Statistical disclosure control (docs/architecture.md §8): primary and secondary suppression, publishable tables, audit.

Public surface: `protect_council` (one wave × council), `protect_comparator` (the wave-wide comparator),
`audit_published` (re-audit tables as written), `DisclosureSettings`.
"""

from rcs_pipeline.disclosure.audit import AuditResult, attacker_intervals
from rcs_pipeline.disclosure.protect import CouncilTables, Protection, audit_published, protect_council
from rcs_pipeline.disclosure.settings import DisclosureSettings

__all__ = [
    "AuditResult",
    "CouncilTables",
    "DisclosureSettings",
    "Protection",
    "attacker_intervals",
    "audit_published",
    "protect_council",
]
