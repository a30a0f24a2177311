"""Personal data under UK GDPR (docs/personal-data.md): the register of what Cohort holds
and why, the subject access export, erasure, and retention applied on a schedule."""
