"""Resources carry configuration: where RCS_HOME is, the linkage key (from the environment), SDC thresholds."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from rcs_pipeline.disclosure.settings import DisclosureSettings, check_floors, settings_for
from rcs_pipeline.paths import RcsHome


class RcsSettings(dg.ConfigurableResource):
    """Run settings shown in the launchpad: storage root, disclosure thresholds, linkage acceptance.

    `min_group` and `min_cell` left empty mean rcs_pipeline/disclosure/rules.yaml decides (its defaults, its
    per-wave rule and its per-wave/per-council overrides); a value set here replaces the defaults for this run.
    Steps ask `thresholds(wave, la_code)`, never the fields.
    """

    home: str
    min_group: int | None = None
    min_cell: int | None = None
    match_threshold: float = 0.95
    # Linkage: False = longitudinal link ids (same child, same id every wave); True = ids keyed per wave.
    per_wave_link_ids: bool = False

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Refuse disclosure thresholds below the floors of rules.yaml before any step runs (launchpad too)."""
        check_floors(
            DisclosureSettings().min_group if self.min_group is None else self.min_group,
            DisclosureSettings().min_cell if self.min_cell is None else self.min_cell,
        )

    def thresholds(self, wave: str, la_code: str) -> DisclosureSettings:
        """The disclosure thresholds of one (wave, council) partition (rcs_pipeline.disclosure.settings_for)."""
        return settings_for(wave, la_code, min_group=self.min_group, min_cell=self.min_cell)

    def layout(self) -> RcsHome:
        """The zone layout under this run's RCS_HOME."""
        return RcsHome(Path(self.home).resolve())


class LinkageKey(dg.ConfigurableResource):
    """The secret linkage key, read from the environment only when a key-holder step asks for it.

    Only `link_map` requires this resource, and the key is read inside `secret()`, not resolved as run
    config: a run or job without the key holder never needs RCS_LINKAGE_KEY, and the key never enters a
    run's configuration. `key` is for tests only; deployments leave it empty.
    """

    key: str = ""
    env_var: str = "RCS_LINKAGE_KEY"

    def secret(self) -> bytes:
        """The key as bytes, validated by the key-holder library (≥ 32 random bytes, not a weak pattern)."""
        from rcs_pipeline.linkage.keys import decode_linkage_key

        return decode_linkage_key(self.key or os.environ.get(self.env_var))


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources for `dagster dev` and `rcs run`: everything from the environment."""
    return {
        "settings": RcsSettings(home=dg.EnvVar("RCS_HOME")),
        "linkage_key": LinkageKey(),
    }
