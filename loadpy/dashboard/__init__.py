"""The live web dashboard (`--dashboard`, k6's K6_WEB_DASHBOARD=true): the HTML report's page,
served on the run's event loop and updated by server-sent events once per period.

Each name is imported on first use: every run reads `dashboard_options` (the settings, usually
"off"), and only a run with the dashboard loads its server and the report's page builder."""

from typing import TYPE_CHECKING

from loadpy.base.lazy import lazy_exports

if TYPE_CHECKING:
    from loadpy.dashboard.live import LiveDashboard, report_builder
    from loadpy.dashboard.options import DashboardOptions, dashboard_options
    from loadpy.dashboard.server import DashboardError

__all__ = ["DashboardError", "DashboardOptions", "LiveDashboard", "dashboard_options", "report_builder"]
__getattr__ = lazy_exports(
    __name__,
    {
        "LiveDashboard": "loadpy.dashboard.live",
        "report_builder": "loadpy.dashboard.live",
        "DashboardOptions": "loadpy.dashboard.options",
        "dashboard_options": "loadpy.dashboard.options",
        "DashboardError": "loadpy.dashboard.server",
    },
)
