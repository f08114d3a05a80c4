"""Deadlines: what must be done by when, kept in the database for the dashboard and reminders."""
