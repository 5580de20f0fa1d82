"""The check service benchmark: a local upstream simulator and a runner (see README.md)."""
