"""The VU runtime: flows compiled from YAML, Python scripts, checks, groups, data, custom metrics.

Public entry points (imported lazily by callers to keep `import loadpy` cheap):
`loadpy.vu.flow_runtime.FlowRuntime.from_document`, `loadpy.vu.script.load_python_script`,
`loadpy.vu.script.PythonRuntime`, and `loadpy.vu.context.VuContext` (the `vu` of Python code).
"""
