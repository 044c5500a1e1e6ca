"""`loadpy run --workers N`: one coordinator process, N worker processes, one result.

The pieces are separate so a later multi-machine mode can reuse them:

* `assign`   — execution-segment assignment (k6's algorithm via loadpy.segments)
* `frames`   — length-prefixed pickle frames (sans-I/O encoder/decoder)
* `merge`    — exact snapshot merge into one Registry, VU gauges summed across workers
* `worker`   — the worker process (`python -m loadpy.workers.worker`)
* `coordinator` — setup once, start barrier, live merge, central thresholds, teardown once
"""

from loadpy.workers.assign import worker_segments

__all__ = ["worker_segments"]
