"""The input contract's columns (spec/inputs.md), written out independently of the generator for its tests."""

SDQ = [f"sdq_{k:02d}" for k in range(1, 26)]
IMPACT = ["sdq_impact_any", "sdq_impact_distress", "sdq_impact_home", "sdq_impact_friends",
          "sdq_impact_classroom", "sdq_impact_leisure"]
WEMWBS = [f"wemwbs_{k:02d}" for k in range(1, 15)]
LIFESTYLE = ["general_health", "active_days_60min", "fruit_veg_daily", "sleep_hours"]
SUBSTANCES = ["smoked_ever", "alcohol_ever", "drugs_ever"]
RELATIONSHIPS = ["adult_to_trust", "family_talk_easy", "close_friends", "friends_treat_well", "happy_at_school",
                 "teachers_fair", "belong_at_school", "area_safe", "area_good_place", "bullied_last_year", "lonely",
                 "schoolwork_pressure", "places_to_play", "life_satisfaction"]
HEAD = ["response_id", "pupil_ref", "birth_month", "seed_code", "stage", "sex", "completed_on"]

COLUMNS = {
    "secondary_survey": HEAD + SDQ + IMPACT + WEMWBS + LIFESTYLE + SUBSTANCES + RELATIONSHIPS,
    "primary_survey": HEAD + SDQ + IMPACT + LIFESTYLE + RELATIONSHIPS,
    "parent_survey": ["response_id", "pupil_ref", "birth_month", "child_sex", "child_age", "seed_code",
                      *[f"sdq_p_{k:02d}" for k in range(1, 26)], "child_general_health", "development_concern",
                      *[f"swemwbs_{k:02d}" for k in range(1, 8)], "reads_together_days", "used_health_visitor",
                      "used_elc", "used_family_support", "area_good_place"],
    "admin_extract": ["pupil_ref", "date_of_birth", "postcode", "seed_code", "stage", "sex",
                      "not_in_receipt_of_services", "looked_after_home", "looked_after_foster",
                      "looked_after_kinship", "looked_after_residential", "child_protection_register",
                      "complex_support_plan", "individualised_education_plan", "asn_types", "free_school_meals",
                      "throughcare_aftercare", "looking_for_prospective_adopters", "simd_decile",
                      "urban_rural_8fold"],
    "schools": ["seed_code", "school_name", "la_code", "sector", "asg_code", "asg_name"],
    "school_roll": ["seed_code", "stage", "sex", "pupils"],
}

# Valid codes 1..k of each survey item (spec/inputs.md).
ITEM_MAX = {
    **{c: 3 for c in SDQ}, **{f"sdq_p_{k:02d}": 3 for k in range(1, 26)}, **{c: 4 for c in IMPACT},
    **{c: 5 for c in WEMWBS}, **{f"swemwbs_{k:02d}": 5 for k in range(1, 8)},
    "general_health": 4, "active_days_60min": 8, "fruit_veg_daily": 3, "sleep_hours": 4, "smoked_ever": 2,
    "alcohol_ever": 2, "drugs_ever": 2, "adult_to_trust": 5, "family_talk_easy": 4, "close_friends": 4,
    "friends_treat_well": 5, "happy_at_school": 5, "teachers_fair": 5, "belong_at_school": 5, "area_safe": 5,
    "area_good_place": 5, "bullied_last_year": 2, "lonely": 5, "schoolwork_pressure": 4, "places_to_play": 2,
    "life_satisfaction": 11, "child_general_health": 4, "development_concern": 2, "reads_together_days": 8,
    "used_health_visitor": 2, "used_elc": 2, "used_family_support": 2,
}
YN_COLUMNS = [*COLUMNS["admin_extract"][6:14], "free_school_meals", "throughcare_aftercare", "looking_for_prospective_adopters"]
ASN_CODES = {"LD", "DYS", "SPLD", "MLD", "VI", "HI", "DB", "PMI", "LSD", "ASD", "SEBD", "PHP", "MHP", "IL", "EAL",
             "LAC", "MAP", "CSN", "YC", "BER", "SUB", "FAM", "RE", "OTH", "NK"}
