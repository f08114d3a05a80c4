"""API routes for lifecycle (see ../shared/API.md)."""
