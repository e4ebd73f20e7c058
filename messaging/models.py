"""Secure messages between users, optionally about one child."""
