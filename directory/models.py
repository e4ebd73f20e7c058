"""Service Directory: records arrive with their own capability."""
