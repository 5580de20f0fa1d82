"""Fixtures shared by every test module."""
