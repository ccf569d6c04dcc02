"""Need flags and service flags per respondent, for the need-versus-services ("three circles") tables."""

from rcs_pipeline.need.flags import (
    add_need_flags,
    add_service_flags,
    need_flag_names,
    service_flag_names,
    service_group_names,
    service_groups,
)

__all__ = [
    "add_need_flags",
    "add_service_flags",
    "need_flag_names",
    "service_flag_names",
    "service_group_names",
    "service_groups",
]
