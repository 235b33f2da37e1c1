"""Benchmarks: ``make bench`` (``python -m benchmarks``) prints figures and ratios.

Sizes come from the environment so a quick run is possible:
``DRIFTLINE_BENCH_ROWS`` (default 1,000,000) for the file benchmarks.
"""
