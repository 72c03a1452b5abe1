"""Bulk intake: incidents from 110, 12345 and grid system exports, through the real pipeline."""
