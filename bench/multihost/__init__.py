"""Checks spread over several machines: network namespaces, real q2 clusters (README.md)."""
