"""Tests of the SQLite backend itself (a package, so its conftest does not shadow tests/conftest.py)."""
