"""Complete deliveries in the landing folder and their fingerprints, for the landing sensor and nightly refresh.

A delivery is complete when the sender has written the `_READY` marker, last, into
`RCS_HOME/landing/<wave>/<la_code>/`. Its fingerprint changes whenever any file in the folder is added,
removed, rewritten or touched, or the marker is rewritten, so a corrected delivery is noticed and an
unchanged one is not.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rcs_pipeline.paths import RcsHome

READY_MARKER = "_READY"


def delivery_fingerprint(folder: Path) -> str | None:
    """A short hash of the delivery's file names, sizes and modification times; None while `_READY` is absent.

    Stat-based rather than content-based so that a sensor tick over every council costs milliseconds; a
    file rewritten with new content always gets a new modification time.
    """
    marker = folder / READY_MARKER
    if not marker.is_file():
        return None
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def complete_deliveries(home: RcsHome) -> dict[tuple[str, str], str]:
    """Every complete (wave, la_code) delivery under the landing folder with its fingerprint."""
    found = {}
    for wave, la_code in home.deliveries():
        fingerprint = delivery_fingerprint(home.delivery(wave, la_code))
        if fingerprint is not None:
            found[(wave, la_code)] = fingerprint
    return found


def mark_ready(folder: Path) -> Path:
    """Write the `_READY` marker a sender writes last (used by the demo, tests and senders' scripts)."""
    marker = folder / READY_MARKER
    marker.write_text("complete\n")
    return marker
