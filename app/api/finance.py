"""API routes for finance (see ../shared/API.md)."""
