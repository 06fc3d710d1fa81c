import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "socialgov.settings")
application = get_wsgi_application()

from core.checks import ensure_static_collected  # noqa: E402 - needs the settings loaded above

ensure_static_collected()  # DEBUG off without collectstatic: stop here, not a 500 on every page
