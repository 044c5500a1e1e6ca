"""The YAML front end: a scenario file's flows compiled once into steps (`compiler.py`, one module
per step kind under `steps/`) and run by the VU runtime (`runtime.FlowRuntime`, on `loadpy.vu`)."""
