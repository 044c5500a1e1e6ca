"""What both the configuration and the engine stand on, importing nothing of loadpy but `errors`:
k6 durations, the engine ↔ runtime seam, the schema's `Invalid` and shared validators, the VU
memory budget and the progress snapshot each executor renders. `config/`, `executors/`, `engine/`,
`metrics/` and the protocols import from here, never the other way round."""
