"""API routes for drafts (see ../shared/API.md)."""
