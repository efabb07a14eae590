"""Benchmarks, run by hand with `make bench` (not part of `make test`)."""
