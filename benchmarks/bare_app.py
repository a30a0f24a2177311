"""The reference for benchmarks/load.py: a bare Flask endpoint returning a small HTML page,
served by the same gunicorn settings as Cohort, so that Cohort's pages are measured as a
share of what the machine, gunicorn and Flask can do at all in the same run."""

from flask import Flask

app = Flask(__name__)

PAGE = "<!DOCTYPE html><html lang='en'><head><title>Bare</title></head><body><p>Hello</p></body></html>"


@app.get("/")
def index():
    return PAGE
