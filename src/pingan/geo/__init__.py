"""Gazetteer, place names and coordinate systems for Zhejiang (pure Python)."""
