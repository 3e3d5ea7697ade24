"""The written contracts between shadowloop's rooms; plain Python any side may import."""
