"""Property tests: any random council, once protected, passes the audit; an under-protected one does not."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from rcs_pipeline.disclosure import DisclosureSettings, attacker_intervals, audit_published, protect_council
from rcs_pipeline.disclosure.protect import council_system
from rcs_pipeline.disclosure.secondary import close_couples
from tests.disclosure.handmade import COUNCIL
from tests.disclosure.synthetic_wave import councils

RULES = DisclosureSettings(min_group=20, min_cell=10)
pytestmark = pytest.mark.xdist_group("disclosure_properties")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(councils(max_clusters=3, max_schools=3))
def test_protected_tables_pass_an_independent_audit_of_the_written_tables(council):
    tables, schools = council
    result = protect_council(tables, schools, COUNCIL, RULES)
    assert result.audit.passed and result.primary_breaches == 0
    audit, breaches = audit_published(tables, schools, COUNCIL, RULES, result.published)
    assert audit.passed, audit.failures[:3]
    assert breaches == 0


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(councils(max_clusters=3, max_schools=3))
def test_the_audit_catches_primary_suppression_alone_when_a_relation_pins_a_cell(council):
    tables, schools = council
    built = council_system(tables, schools, COUNCIL, RULES)
    hidden = close_couples(built.system, built.primary)
    pattern = abs(built.system.equalities).tocsr()
    pattern.data[:] = 1
    alone = np.flatnonzero((pattern @ hidden.astype(int)) == 1)
    pinned = {
        int(v)
        for e in alone
        for v in pattern.indices[pattern.indptr[e] : pattern.indptr[e + 1]]
        if hidden[v] and built.system.values[v] > 0
    }
    result = attacker_intervals(built.system, hidden, RULES.min_cell)
    assert pinned <= {f.var for f in result.failures}
    assert result.passed == (not any(True for _ in result.failures))
