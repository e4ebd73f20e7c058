"""Consent to share: records arrive with their own capability."""
