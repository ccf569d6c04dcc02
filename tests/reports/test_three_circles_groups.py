"""The need-versus-services table of a report: service groups as rows, and withheld rows said in words."""

from __future__ import annotations

import polars as pl

from rcs_pipeline.reports.sections import Geography, circles_sections

CIRCLES = ("need_with_service", "need_without_service", "service_without_need", "neither")


def _rows(service: str, counts: tuple[int, int, int, int] | None) -> list[dict]:
    """Four published circles of need_any × `service` at the council (None: every cell withheld)."""
    base = sum(counts) if counts else None
    return [
        {
            "geography_level": "council",
            "geography_code": "S12000005",
            "breakdown": "all",
            "breakdown_value": "all",
            "need": "need_any",
            "service": service,
            "circle": circle,
            "n": counts[i] if counts else None,
            "base": base,
            "percent": round(100 * counts[i] / base) if counts else None,
            "suppressed": counts is None,
        }
        for i, circle in enumerate(CIRCLES)
    ]


def test_each_service_group_is_a_row_and_a_withheld_group_is_named() -> None:
    frame = pl.DataFrame(
        _rows("service_any", (30, 20, 40, 110))
        + _rows("service_asl", (25, 25, 30, 120))
        + _rows("service_social_work", None)
    )
    _, table = circles_sections(frame, Geography("council", "S12000005", "Clackmannanshire"), "Three circles")
    labels = [label for label, _ in table.rows]
    assert labels == [
        "Any high need: Social work",
        "Any high need: Additional support for learning",
        "Any high need: Any service",
    ]
    assert table.note.endswith("Withheld in full to protect confidentiality: Any high need: Social work.")


def test_a_table_withheld_in_full_says_so() -> None:
    frame = pl.DataFrame(_rows("service_any", None))
    _, table = circles_sections(frame, Geography("council", "S12000005", "Clackmannanshire"), "Three circles")
    assert table.note.endswith("The whole table is withheld to protect confidentiality.")
