"""The WSGI entry point for production servers: `gunicorn portal.wsgi:app`."""

from portal import create_app

app = create_app()
