"""Catalog data: GPU classes per provider and model architectures (data files, read once)."""
