"""The written contracts at each seam: run input, step results, S3 layout, lineage, settings."""
