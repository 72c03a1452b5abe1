"""Handling units (police stations, departments, towns, teams) and their resources."""
