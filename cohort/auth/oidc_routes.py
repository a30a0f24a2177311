"""Single sign-on pages (docs/sign-in.md, Single sign-on)."""
