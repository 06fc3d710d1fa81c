"""Start-up checks an operator meets: static files collected before DEBUG-off pages are served."""

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages

COLLECT = (
    "run `python manage.py collectstatic --noinput` (DEBUG off serves static files from STATIC_ROOT by a manifest)"
)


def static_manifest_problem() -> str | None:
    """Why pages would fail to render their static links (the manifest storage has no manifest), or None."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.exists(storage.manifest_name):
        return None
    return f"Static files are not collected: {storage.path(storage.manifest_name)} is missing."


@register(Tags.staticfiles, deploy=True)
def static_manifest_check(app_configs, **kwargs):
    problem = static_manifest_problem()
    return [Error(problem, hint=COLLECT[0].upper() + COLLECT[1:] + ".", id="socialgov.E001")] if problem else []


def ensure_static_collected() -> None:
    """Refuse to serve (gunicorn's start) rather than answer 500 on every page (``Missing staticfiles manifest``)."""
    problem = None if settings.DEBUG else static_manifest_problem()
    if problem:
        raise ImproperlyConfigured(f"{problem} Before starting the web server {COLLECT}.")
