"""Benchmarks: what each job costs in API calls, cells, bytes, CPU and memory, next to the naive way.

Run ``python scripts/bench.py`` (full, ~10 min) or ``--quick`` (CI, < 2 min). See docs/benchmarks.md.
"""
