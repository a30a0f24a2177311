"""Second factor pages (docs/sign-in.md, Second factor)."""
