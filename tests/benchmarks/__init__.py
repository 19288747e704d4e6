"""Benchmarks for ``make bench``: plain scripts that print figures, never pass/fail timing tests."""
