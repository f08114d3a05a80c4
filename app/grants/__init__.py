"""Grants and the yearly cycle: statsbidrag rates, Länsstyrelsen's decisions, the providers' statistics and the yearly reports to Länsstyrelsen."""
