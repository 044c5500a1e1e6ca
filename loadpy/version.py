"""The version and the default User-Agent (a leaf module: importable from anywhere in the package)."""

__version__ = "0.1.0"
USER_AGENT = f"loadpy/{__version__}"
