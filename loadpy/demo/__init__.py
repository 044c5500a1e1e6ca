"""The embedded demo target: HTTP, GraphQL and WebSocket endpoints on one loopback port."""

from loadpy.demo.server import DemoServer, demo_subprocess, main, run_demo_in_thread

__all__ = ["DemoServer", "demo_subprocess", "main", "run_demo_in_thread"]
