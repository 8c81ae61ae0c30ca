"""Entry point for WSGI servers: ``gunicorn wsgi:app``."""
from lga import create_app

app = create_app()
