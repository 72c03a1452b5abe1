"""Figures: rollups kept current as incidents change, and the panels built from them."""
