"""WSGI entry point for gunicorn: `gunicorn 'cohort.wsgi:app'`."""

from cohort import create_app

app = create_app()
