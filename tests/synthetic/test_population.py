"""Children's birth cohorts, stages and ages, and council profiles against the code list."""

from __future__ import annotations

import numpy as np

from rcs_pipeline.codelists import council_names
from rcs_pipeline.synthetic.population import cohort_dob, stage_from_dob
from rcs_pipeline.synthetic.profiles import council_profiles, settings


def test_school_year_runs_from_march_to_february() -> None:
    # In 2015-16, P1 pupils were born 1 March 2010 to 28 February 2011.
    dob = np.array(
        ["2010-03-01", "2011-02-28", "2010-02-28", "2011-03-01", "2000-03-01"], dtype="datetime64[D]"
    )
    assert stage_from_dob(dob, 2015).tolist() == [0, 0, 1, -1, 10]


def test_cohort_birth_dates_give_back_their_stage() -> None:
    stages = np.repeat(np.arange(13), 200)
    dob = cohort_dob(stages, 2015, np.random.default_rng(1))
    assert (stage_from_dob(dob, 2015) == stages).all()


def test_every_council_has_a_profile_with_its_urban_mix() -> None:
    profiles = council_profiles()
    assert set(profiles) == set(council_names())
    mixes = settings()["urban_profiles"]
    for profile in profiles.values():
        assert abs(sum(mixes[profile.urban_profile]) - 1) < 1e-9
        assert 1 <= profile.simd_mean <= 10 and profile.postcode_districts
        assert profile.primaries >= profile.secondaries >= 1
