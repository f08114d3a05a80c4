"""Models of the finance package."""
