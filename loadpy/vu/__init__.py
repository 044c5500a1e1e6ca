"""The VU runtime: one VU state (`state.VUState`), the public `VU` of Python code (`api.VU`, also
`loadpy.VU`), flows compiled from YAML, Python scripts, checks, groups, data, custom metrics.

Entry points: `loadpy.vu.flow_runtime.FlowRuntime.from_document`, `loadpy.vu.script.load_python_script`
and `loadpy.vu.script.PythonRuntime` (see docs/architecture.md).
"""
