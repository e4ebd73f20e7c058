"""Concerns and chronology: records arrive with their own capability."""
