"""Give every table header cell of a report's tagged PDF its /Scope, and the PDF the /IDTree its /Headers need.

WeasyPrint 70 tags a `<th>` as a /TH structure element with an /ID and gives each /TD the /Headers it
belongs to, but it writes no /Scope on the /TH (Kozea/WeasyPrint#2508, open) and no /IDTree in the
structure tree root, which ISO 32000-1 (14.7.2, table 322) requires once any element has an /ID. PDF/UA-1
7.5 asks that header cells be tied to their data cells by /Scope, or by /Headers and /IDs; an outside
checker (`pdfua`, rule UA-15-003) found neither on the header cells.

This adds both while WeasyPrint builds the structure tree, where it still knows each cell's HTML element:
a /TH gets `/A << /O /Table /Scope /Row >>` for `<th scope="row">` (or `rowgroup`), `/Column` for
`scope="col"` (or `colgroup`) and also `/Column` for a `<th>` without scope, which is how WeasyPrint's own
/Headers treat it. WeasyPrint's /Headers take only `scope="row"` as a row header, so the templates use only
`row` and `col` (a test holds them to that) and /Scope and /Headers always agree. Setting it here rather than re-opening the written PDF keeps
the file byte-identical for the same inputs and costs no second parse. Only the tagging functions of the
pinned WeasyPrint 70 are wrapped; everything else it does is unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

HTML_TO_PDF_SCOPE = {"row": "/Row", "rowgroup": "/Row", "col": "/Column", "colgroup": "/Column"}
"""The PDF /Scope of each HTML `scope` value (HTML has no 'both'; a table here never needs it)."""
UNSCOPED = "/Column"
"""A `<th>` without scope: a column header, as WeasyPrint's /Headers on the data cells already assume."""


def pdf_scope(html_scope: str | None) -> str:
    """The PDF /Scope name for a `<th>`'s HTML `scope` attribute (None or unknown: a column header)."""
    return HTML_TO_PDF_SCOPE.get((html_scope or "").strip().lower(), UNSCOPED)


def set_header_scope(element: dict[str, Any], box: Any) -> None:
    """Write /Scope into the attributes of a /TH structure element from its box's `<th scope>`."""
    import pydyf

    if element.get("S") != "/TH" or getattr(box, "element", None) is None:
        return
    attributes = element.setdefault("A", pydyf.Dictionary({"O": "/Table"}))
    attributes["Scope"] = pdf_scope(box.element.attrib.get("scope"))


def id_tree_names(objects: list[Any]) -> list[tuple[str, Any]]:
    """(ID, structure element) of every structure element with an /ID, sorted as a name tree must be."""
    found: dict[str, Any] = {}
    for obj in objects:
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and "ID" in obj:
            key = getattr(obj["ID"], "string", obj["ID"])
            if key in found:
                raise ValueError(
                    f"two structure elements have the same /ID {key!r}: the PDF's tables are ambiguous"
                )
            found[key] = obj
    return sorted(found.items(), key=lambda item: item[0].encode("utf-8"))


def add_id_tree(pdf: Any) -> None:
    """Put an /IDTree naming every structure element with an /ID into the PDF's structure tree root."""
    import pydyf

    names = id_tree_names(pdf.objects)
    if not names:
        return
    root = next(o for o in pdf.objects if isinstance(o, dict) and o.get("Type") == "/StructTreeRoot")
    flat = pydyf.Array()
    for key, element in names:
        flat.extend([pydyf.String(key), element.reference])
    root["IDTree"] = pydyf.Dictionary({"Names": flat})


@cache
def tag_table_headers() -> None:
    """Make WeasyPrint write /Scope on header cells and an /IDTree (once per process; idempotent)."""
    import weasyprint.pdf
    from weasyprint.layout.absolute import AbsolutePlaceholder
    from weasyprint.pdf import tags

    build_box_tree = tags._build_box_tree
    add_tags = weasyprint.pdf.add_tags

    def build_with_scopes(box: Any, parent: Any, *args: Any) -> Iterator[Any]:
        """WeasyPrint's structure elements of a box (its children come through here too), /TH with /Scope."""
        for element in build_box_tree(box, parent, *args):
            set_header_scope(element, box._box if isinstance(box, AbsolutePlaceholder) else box)
            yield element

    def add_tags_and_id_tree(pdf: Any, *args: Any) -> None:
        """WeasyPrint's structure tree, then the /IDTree its /Headers refer through."""
        add_tags(pdf, *args)
        add_id_tree(pdf)

    tags._build_box_tree = build_with_scopes
    weasyprint.pdf.add_tags = add_tags_and_id_tree
