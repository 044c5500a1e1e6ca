"""The engine: scheduling executors over a VU pool, the run lifecycle, live control."""
