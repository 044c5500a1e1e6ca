"""The engine ↔ runtime seam now lives in `loadpy.base.runtime` (below engine/ and executors/); this
name is kept for scripts and tests that import it from here."""

from loadpy.base.runtime import Runtime, ScenarioContext, VirtualUser

__all__ = ["Runtime", "ScenarioContext", "VirtualUser"]
