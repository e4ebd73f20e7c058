"""Family Support Meetings: records arrive with their own capability."""
