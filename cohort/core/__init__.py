"""What every feature's service shares (docs/architecture.md §2): recording audit events
(`audit`), saving over other people's changes safely (`changes`), refusing changes to a
closed cohort (`closed`) and the one shape of a refusal (`errors.ServiceError`).

A feature's own changes live in its package, `cohort/<feature>/service.py` or
`cohort/<feature>/service/` (docs/architecture.md §3.1); only what no one feature owns is here.
"""
