"""Models of the indexation package."""
