"""Reminders: the reminder log, delivery by mail, in-app inbox and calendar feed, and the scheduler."""
