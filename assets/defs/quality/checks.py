"""Blocking Great Expectations checks on the linked dataset, the indicator tables and the publishable tables."""

from assets.quality import expectations_check

linked_pupils_expectations = expectations_check("linked_pupils", "linkage")
estimates_expectations = expectations_check("estimates", "analysis")
published_estimates_expectations = expectations_check("published_estimates", "published")
