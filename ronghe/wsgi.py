"""WSGI entry point (granian in production, see `ronghe serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ronghe.settings")
application = get_wsgi_application()
