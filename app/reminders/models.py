"""Models of the reminders package."""
