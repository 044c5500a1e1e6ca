"""One `loadpy run`, as k6's loadedTest → configured test → test run state, in typed stages:

    request.RunRequest      what the command line / loadpy.run() / the environment asked (frozen)
    plan.TestPlan           the loaded file, resolved options and scenarios, registry, runtime, thresholds
    backends                where the VUs run: this process (local) or N worker processes (processes)
    lifecycle.Lifecycle     setup once → start barrier → tickers → teardown once, for every backend
    results.RunResults      state, exit code and the summary model every end-of-run output reads

loadpy.pipeline.run composes them; this package's __init__ imports nothing so the engine can use the
lifecycle without loading the rest.
"""
