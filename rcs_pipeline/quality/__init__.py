"""Great Expectations gates: suites kept as JSON in expectations/, run over frames, results safe for metadata."""

from rcs_pipeline.quality.suites import load_suite, suite_path
from rcs_pipeline.quality.validation import ExpectationOutcome, SuiteOutcome, run_suite, run_suites

__all__ = ["ExpectationOutcome", "SuiteOutcome", "load_suite", "run_suite", "run_suites", "suite_path"]
