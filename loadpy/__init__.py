"""loadpy: a load generator with k6's semantics, in Python on asyncio/uvloop."""

__version__ = "0.1.0"
USER_AGENT = f"loadpy/{__version__}"
