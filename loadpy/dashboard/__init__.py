"""The live web dashboard (`--dashboard`, k6's K6_WEB_DASHBOARD=true): the HTML report's page,
served on the run's event loop and updated by server-sent events once per period."""

from loadpy.dashboard.live import LiveDashboard, report_builder
from loadpy.dashboard.options import DashboardOptions, dashboard_options
from loadpy.dashboard.server import DashboardError

__all__ = ["DashboardError", "DashboardOptions", "LiveDashboard", "dashboard_options", "report_builder"]
