"""Benchmarks of Market Wallboard: `bash bench/run` writes bench/REPORT.md (see README)."""
