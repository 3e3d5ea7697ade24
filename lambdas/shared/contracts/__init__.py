"""The written contracts at each seam: run input, step results, S3 layout, lineage, model spec.

Plain Python that infra, the CLI, the local cloud and the Lambdas may all import.
"""
