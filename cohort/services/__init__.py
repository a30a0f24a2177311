"""Changes that span models, each audited. Routes and CLI commands call these."""
