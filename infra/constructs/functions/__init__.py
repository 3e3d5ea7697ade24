"""One construct per function: its environment (from the contract), its grants, its nag rules.

Each unit subclasses :class:`infra.constructs.function.Function` under the construct id
the stacks always used, so logical IDs stay what they were.
"""
