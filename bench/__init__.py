"""Benchmarks (see README.md). A package so that ``bench/*.py`` scripts and the tests in
``tests/bench/`` import the shared helpers as ``bench.common``."""
