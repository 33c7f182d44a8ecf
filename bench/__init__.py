"""Benchmarks. Run by `make bench` (`.venv/bin/python bench/run.py`); never part of `make test`."""
