"""Index series (OPI, KPI, a council's own price compensation) and their yearly values."""
