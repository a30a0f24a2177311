"""Domain rules as plain functions over plain values (docs/architecture.md §2).

Nothing here imports Flask or SQLAlchemy, so every rule can be tested with
plain dates, numbers and strings, and reused by pages, reports and the CLI.
"""
