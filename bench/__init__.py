"""Benchmarks: scripts that print numbers (design.md §8); never timed tests."""
