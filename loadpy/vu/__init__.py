"""The VU runtime, shared by every front end: one VU state (`state.VUState`), the public `VU` of
Python code (`api.VU`, also `loadpy.VU`), the iteration loop (`runtime`), metric recording,
checks, groups, custom metrics, data files, expressions, Python scripts (`script`).

The YAML front end is `loadpy.flows`. See docs/architecture.md.
"""
