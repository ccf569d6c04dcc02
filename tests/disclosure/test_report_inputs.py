"""Reports read only disclosure-controlled tables: proved on the full Definitions graph.

Allowed direct upstreams of a `reports` asset: assets of the `disclosure` group, and reference tables
that hold no statistics (`schools`: codes and names of schools and clusters only, docs/methods/input_contract.md).
"""

from assets.definitions import defs

REFERENCE_TABLES_WITHOUT_STATISTICS = {"schools"}


def test_no_report_asset_depends_on_an_unsuppressed_table():
    graph = defs().resolve_asset_graph()
    reports = [key for key in graph.get_all_asset_keys() if graph.get(key).group_name == "reports"]
    assert reports, "the reports group has no assets"
    for key in reports:
        for parent in graph.get(key).parent_keys:
            node = graph.get(parent)
            allowed = (
                node.group_name == "disclosure"
                or parent.to_user_string() in REFERENCE_TABLES_WITHOUT_STATISTICS
            )
            assert allowed, (
                f"{key.to_user_string()} reads {parent.to_user_string()} (group {node.group_name})"
            )


def test_disclosure_group_publishes_the_contract_tables():
    graph = defs().resolve_asset_graph()
    ours = {k.to_user_string() for k in graph.get_all_asset_keys() if graph.get(k).group_name == "disclosure"}
    assert ours == {
        "published_estimates",
        "published_three_circles",
        "published_linkage_quality",
        "published_response_rates",
        "published_comparator_estimates",
        "disclosure_settings",
        "published_comparisons",
        "published_journeys",
    }
