"""Resources carry configuration: where RCS_HOME is, the linkage key (from the environment), SDC thresholds."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from rcs_pipeline.paths import RcsHome


class RcsSettings(dg.ConfigurableResource):
    """Run settings shown in the launchpad: storage root, disclosure thresholds, linkage acceptance."""

    home: str
    min_group: int = 20
    min_cell: int = 10
    match_threshold: float = 0.95
    # Linkage: False = longitudinal link ids (same child, same id every wave); True = ids keyed per wave.
    per_wave_link_ids: bool = False

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Refuse disclosure thresholds below the floors of rules.yaml before any step runs (launchpad too)."""
        from rcs_pipeline.disclosure.settings import check_floors

        check_floors(self.min_group, self.min_cell)

    def layout(self) -> RcsHome:
        """The zone layout under this run's RCS_HOME."""
        return RcsHome(Path(self.home).resolve())


class LinkageKey(dg.ConfigurableResource):
    """The secret linkage key, read from RCS_LINKAGE_KEY at run time and never written or logged."""

    key: str

    def secret(self) -> bytes:
        """The key as bytes, validated by the key-holder library (≥ 32 random bytes)."""
        from rcs_pipeline.linkage.keys import decode_linkage_key

        return decode_linkage_key(self.key)


def default_resources() -> dict[str, dg.ConfigurableResource]:
    """Resources for `dagster dev` and `rcs run`: everything from the environment."""
    return {
        "settings": RcsSettings(home=dg.EnvVar("RCS_HOME")),
        "linkage_key": LinkageKey(key=dg.EnvVar("RCS_LINKAGE_KEY")),
    }
