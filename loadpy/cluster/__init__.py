"""`loadpy run --engine ray`: one test over many machines, with the `--workers` pieces unchanged.

The coordinator of loadpy/workers runs in the Ray driver (setup and teardown once, the start
barrier, thresholds with abortOnFail on the merged metrics, one summary and every output). On each
node a node agent (a Ray actor) starts today's worker processes, merges their deltas into one node
delta a second and relays their other frames:

* `options`    — the `--engine/--ray-address/--nodes/--workers-per-node` flags, checked (exit 104)
* `local`      — a local Ray cluster of N nodes on this machine (no `--ray-address`; also the tests')
* `agent`      — the node agent: spawns workers, pre-merges their deltas, relays their other frames and exit codes
* `launcher`   — the driver side: placement, one relay loop per node, the node watchdog
* `ray_engine` — ties them to the coordinator
* `k8s`        — `loadpy k8s render`: a k6-operator TestRun as a KubeRay RayJob

Ray is imported only here, and only behind `--engine ray` (`pip install 'loadpy[ray]'`).
"""
