"""The job every automated run uses: the whole graph for one (wave, council) partition."""

from __future__ import annotations

import dagster as dg

from assets.partitions import wave_council_partitions

# Transient failures (a file system hiccup, a killed worker) are retried with backoff. Validation and
# disclosure failures raise dg.Failure(allow_retries=False): retrying a bad delivery cannot help.
TRANSIENT_RETRY = dg.RetryPolicy(max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL)

partition_refresh_job = dg.define_asset_job(
    name="partition_refresh_job",
    selection=dg.AssetSelection.all(),
    partitions_def=wave_council_partitions,
    op_retry_policy=TRANSIENT_RETRY,
    description="Materialise every asset and check of one (wave, council) partition, landing to reports.",
)
