"""Children and families: records arrive with their own capability."""
