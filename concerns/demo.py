"""Invented demonstration data for this app, loaded by `manage.py load_demo`."""

from __future__ import annotations


def load(stdout) -> None:
    """Add this app's demo records; safe to run again (nothing is duplicated)."""
