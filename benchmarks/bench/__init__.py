"""Helpers of the benchmark harness (benchmarks/run.py); not part of the loadpy package."""
