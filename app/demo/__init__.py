"""Demo data: the agreements, parties and facts of the five seed documents."""
