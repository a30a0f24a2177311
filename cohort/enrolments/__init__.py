"""Enrolment: putting people into cohorts, withdrawing, reinstating and transferring them
(docs/rules.md §2). No pages of its own: the participants pages, the nominations import, the
API and the demo all call `cohort.enrolments.service`. It is a package of its own, not part of
`cohort/participants/`, because so many features read it that importing it must not load the
participants pages (docs/architecture.md §3.1).
"""
