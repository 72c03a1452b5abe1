"""The demo deployment: real Zhejiang divisions, units and users for one city."""
