"""The report-rendering process pools of this process, owned by the asset layer.

The library only makes a pool (`rcs_pipeline.reports.build.new_render_pool`) and renders in the one it is
given. Starting a spawned worker (imports, fonts, stylesheet) costs about 1.4 s of CPU, so the pools are kept
here for every report build of the process (the council, cluster and school assets of every partition of an
`rcs run`) and closed by whoever needs them gone (`RENDER_POOLS.close()`: tests, benchmarks). A pool whose
worker died is dropped, so the next build starts a fresh one.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

from rcs_pipeline.reports.build import new_render_pool


class RenderPools:
    """Kept spawned rendering pools by number of workers; none for one worker (render in process)."""

    def __init__(self) -> None:
        """No pool until a build asks for one."""
        self._pools: dict[int, ProcessPoolExecutor] = {}

    def get(self, workers: int) -> ProcessPoolExecutor | None:
        """The kept pool of `workers` processes (started now if there is none), or None for one worker."""
        if workers <= 1:
            return None
        if workers not in self._pools:
            self._pools[workers] = new_render_pool(workers)
        return self._pools[workers]

    def prestart(self, workers: int) -> None:
        """Start the pool's processes now, so they load their imports and fonts while the caller reads its
        tables, not while a council report waits for its first chart."""
        pool = self.get(workers)
        if pool is not None:
            for _ in range(workers):
                pool.submit(os.getpid)

    def discard(self, workers: int) -> None:
        """Forget a broken pool (a worker died): the next build starts a fresh one."""
        pool = self._pools.pop(workers, None)
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Stop every kept worker (their memory then counts in this process's finished children)."""
        while self._pools:
            self._pools.popitem()[1].shutdown(cancel_futures=True)


RENDER_POOLS = RenderPools()
"""This process's rendering pools."""
