"""The paired benchmark: releasemon and a pinned Anitya in turns on the same data (README.md)."""
