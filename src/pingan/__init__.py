"""Pingan (平安): an open command platform for grassroots public-safety governance."""

__version__ = "0.1.0"
