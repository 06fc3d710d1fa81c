"""socialgov settings: one module, read from the environment.

With nothing set it runs on one machine (SQLite and a file-based Celery broker
under ``var/``, console e-mail). With DATABASE_URL, REDIS_URL, EMAIL_URL and
SECRET_KEY set it runs as production. Every variable is listed, with its
default, in ``.env.example``.
"""

import ipaddress
from datetime import timedelta
from pathlib import Path

import environ
import structlog
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

BASE_DIR = Path(__file__).resolve().parent.parent


class Env(environ.Env):
    """django-environ's reader, naming the variable when its value does not parse (never a bare traceback)."""

    def get_value(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
        try:
            return super().get_value(var, cast=cast, default=default, parse_default=parse_default)
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{var}={self.ENVIRON.get(var, '')!r} is not valid: {exc}") from None


env = Env()
# optional; the real environment wins. Read first: it may name the var directory.
environ.Env.read_env(env.path("SOCIALGOV_ENV_FILE", default=str(BASE_DIR / ".env")))

VAR_DIR = Path(env.str("SOCIALGOV_VAR_DIR", default=str(BASE_DIR / "var"))).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
DEVELOPMENT_SECRET_KEY = "insecure-dev-key-change-me-" + "x" * 32
SECRET_KEY = env.str("SECRET_KEY", default="") or DEVELOPMENT_SECRET_KEY
if not DEBUG and SECRET_KEY in (DEVELOPMENT_SECRET_KEY, "change-me"):
    raise ImproperlyConfigured(
        "SECRET_KEY is not set: with DEBUG off socialgov needs its own secret key. Set SECRET_KEY to a long random "
        'string (python -c "import secrets; print(secrets.token_urlsafe(50))"), or DEBUG=1 on a development machine.'
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For and set
# X-Forwarded-Proto. 0 (the default): nobody is trusted, both headers are ignored. allauth's rate limits, the API's
# throttles and the audit trail all read the client's address from the same place (core.http.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured(f"TRUSTED_PROXY_COUNT must be 0 or more, not {TRUSTED_PROXY_COUNT}.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="socialgov-demo")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.socialaccount.providers.saml",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_beat",
    "core",
    "socialgov",
    "audit",
    "notifications",
    "accounts",
    "sso",
    "policies",
    "channels_registry",
    "approvals",
    "it_decisions",
    "records",
    "reports",
    "scim",
]

MIDDLEWARE = [
    "socialgov.middleware.ProbeMiddleware",  # /healthz and /readyz: over plain HTTP and by IP, before the checks
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "socialgov.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # after sessions, before CommonMiddleware (Django's documented place): Accept-Language (or the language cookie)
    # for everyone; accounts.middleware.UserLanguageMiddleware below then switches to a signed-in person's choice
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.UserLanguageMiddleware",  # the language on the person's profile, when they chose one
    "socialgov.middleware.SessionLifetimeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.RequireMfaMiddleware",
    "sso.middleware.IdpFormActionMiddleware",
]

ROOT_URLCONF = "socialgov.urls"
WSGI_APPLICATION = "socialgov.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "socialgov.context_processors.navigation",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'socialgov.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One writer at a time, taken at BEGIN: web, worker and beat share the file safely.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (allauth rate limits and DRF throttles need a shared one) ---------
REDIS_URL = env.str("REDIS_URL", default="")
# While Redis does not answer (restarting, unreachable) a page still answers: the cache reads as empty (sessions come
# from the database, kept values are computed), writes to it are dropped and logged, throttles let requests through.
# Nothing here is only in the cache. A connection attempt gives up after a second, a command after two.
REDIS_CACHE_OPTIONS = {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1, "SOCKET_TIMEOUT": 2}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
if REDIS_URL:
    # django-redis keeps one client a server; Django's own backend builds one on every call (~0.1 ms of CPU each,
    # and a page makes several: session, bell and banner, throttle)
    CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS_URL, "OPTIONS": REDIS_CACHE_OPTIONS}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# Values kept per object under its version (core/objects.py): a person's facts, a post page's rows. Only what
# can be computed again lives there, so it may evict: point it at a Redis with a memory bound and an LRU policy
# (maxmemory, maxmemory-policy allkeys-lru), apart from the default cache, whose rate-limit counters, throttles and
# sessions must not be evicted. Empty: the default Redis (REDIS_URL), or this process's memory (bounded, LRU) without
# one; dummycache:// keeps nothing (every view computes everything).
OBJECT_CACHE_URL = env.str("OBJECT_CACHE_URL", default="") or REDIS_URL
if OBJECT_CACHE_URL.startswith("dummycache://"):
    CACHES["objects"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
elif OBJECT_CACHE_URL:
    CACHES["objects"] = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": OBJECT_CACHE_URL,
        "OPTIONS": REDIS_CACHE_OPTIONS,
    }
else:
    CACHES["objects"] = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "socialgov-objects",
        "OPTIONS": {"MAX_ENTRIES": 10_000},
    }

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, reading the signed-in person with their group names in one query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[socialgov] "
# Self sign-up is open only to these corporate domains; empty closes it (IT creates accounts).
SIGNUP_EMAIL_DOMAINS = [d.lower() for d in env.list("SIGNUP_EMAIL_DOMAINS", default=[])]
# A channel's recovery contact must be on one of these; empty: the sign-up domains, else the registrant's own.
CORPORATE_EMAIL_DOMAINS = [d.lower() for d in env.list("CORPORATE_EMAIL_DOMAINS", default=[])]
# Second factor (allauth's MFA): an authenticator app (TOTP) or a passkey / security key (WebAuthn), with recovery
# codes; a passkey also signs in without a password. The WebAuthn relying party is the host the page is served from
# (allauth's adapter): http://localhost is a secure context browsers accept; anything else needs HTTPS.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "socialgov"
# Who must sign in with a second factor before using anything: department roles (manager, reviewer, member), the
# company groups (communications, it_security, auditor) and "staff" (staff and superusers). Everyone who decides or
# exports, by default (accounts.permissions.requires_mfa).
MFA_REQUIRED_ROLES = frozenset(
    env.list(
        "MFA_REQUIRED_ROLES",
        default=["manager", "reviewer", "communications", "it_security", "auditor", "compliance", "staff"],
    )
)
# Single sign-on (allauth's socialaccount; sso/): identity providers are SocialApp rows IT adds on /sso/ (OIDC: issuer,
# client id and secret; SAML: IdP entity id and metadata). E-mail domains bound to a provider sign in there (home-realm
# discovery on the sign-in page); "SSO required" refuses passwords for them; a first sign-in creates the account when
# the domain allows it, with departments from the provider's claim mapping. sso/providers.py adds the OIDC nonce and
# the SAML replay cache to allauth's providers.
ACCOUNT_FORMS = {"login": "sso.forms.LoginForm"}
SOCIALACCOUNT_ADAPTER = "sso.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"provider_class": "sso.providers.OidcProvider", "OAUTH_PKCE_ENABLED": True},
    "saml": {"provider_class": "sso.providers.SamlProvider"},
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False
# A provider's verified address signs in the existing account of that address (only domains bound to the provider
# count as verified: sso.providers).
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
SOCIALACCOUNT_EMAIL_VERIFICATION = "none"
SOCIALACCOUNT_STORE_TOKENS = False
# Sessions are recorded at sign-in; tracking every request would cost four queries a page.
USERSESSIONS_TRACK_ACTIVITY = False

# --- Internationalisation ---------------------------------------------------
# Pages, e-mails and chat messages in British English, German or French: the signed-in person's choice on their
# profile (User.language), else what their browser asks for (Accept-Language), else LANGUAGE_CODE. Each language is
# named in itself on the language menu. Catalogues: locale/<code>/LC_MESSAGES/django.po, compiled by `make run` and
# `make test` (README, "Languages").
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-gb")
LANGUAGES = [
    ("en-gb", "English"),
    ("de", "Deutsch"),
    ("fr", "Français"),
]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, not {LANGUAGE_CODE!r}.")
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))).resolve()  # collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = str(Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))).resolve())
MEDIA_URL = "/media/"

# --- E-mail -----------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":  # noqa: F821 - set by the line above
    EMAIL_BACKEND = "core.mail.ConsoleBackend"  # one line each on the console, whole under var/mail/
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="socialgov <socialgov@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------
# A session ends after 30 minutes idle (SessionLifetimeMiddleware slides the expiry, writing the
# session at most once a minute) and 12 hours after sign-in whatever happens.
SESSION_IDLE_TIMEOUT = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env.int("SESSION_ABSOLUTE_TIMEOUT", default=12 * 60 * 60)
SESSION_REFRESH_INTERVAL = 60
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# Sessions live in the database and are read through the cache (one query less on every page); ending one
# (sign-out, deactivation: allauth's UserSession.end) deletes it from both. accounts/sessions.py: Django's
# cached_db engine, reading a session that names Django's or allauth's backend as naming ours.
SESSION_ENGINE = "accounts.sessions"
SESSION_SAVE_EVERY_REQUEST = False
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Request bodies: 2.5 MB of form/JSON data at most (Django answers 400 beyond it).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
# Content-Security-Policy (django-csp): scripts and styles only from our own origin, never inline.
# The MFA enrolment page shows its QR code as a data: image. The API docs pages relax style-src
# themselves (socialgov/urls.py): Swagger UI and Redoc inject styles at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
if TRUSTED_PROXY_COUNT:
    # only a trusted proxy says the client spoke HTTPS; without one a client would choose its own scheme
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
    # each its own choice, off unless set: both are hard to undo once browsers have seen them
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Leaving includeSubDomains and preload off is the operator's choice above, not an oversight to warn about: the
# README's `check --deploy --fail-level WARNING` passes with them off.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # covering indexes (INCLUDE) are PostgreSQL's; SQLite, the one-machine default, builds them without the extra
    # columns: nothing to act on, so no warning block on every start
    SILENCED_SYSTEM_CHECKS.append("models.W040")

# --- REST API ---------------------------------------------------------------
# django-filter: a choice filter left empty reads "Any" (boolean filters: core.filtersets.BooleanFilter)
FILTERS_EMPTY_CHOICE_LABEL = gettext_lazy("Any")  # read when a filter renders: in the reader's language

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.api.permissions.TokenScope",
        "accounts.api.permissions.MfaSatisfied",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    # DRF's anon/user rates, counted a window in one cache command (core/api/throttling.py) instead of
    # DRF's list of every request's time read and written back on each request.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttling.AnonRateThrottle",
        "core.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="60/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
        "content_check": env.str("API_THROTTLE_CONTENT_CHECK", default="120/min"),
    },
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "socialgov API",
    "DESCRIPTION": "Govern a company's social media: registry, approvals, policies, audit.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ChannelRoleEnum": "channels_registry.choices.ChannelRole",
        "DepartmentRoleEnum": "accounts.choices.Role",
        "PostDecisionOutcomeEnum": "approvals.choices.Outcome",
        "ChannelStateEnum": "channels_registry.choices.ChannelState",
        "PostStateEnum": "approvals.choices.PostState",
        "ActivityKindEnum": "channels_registry.choices.ActivityKind",
        "AccessRequestKindEnum": "channels_registry.choices.AccessRequestKind",
        "AccessRequestStateEnum": "channels_registry.choices.AccessRequestState",
        "RecertificationStateEnum": "channels_registry.choices.RecertificationState",
        "RotationStateEnum": "channels_registry.choices.RotationState",
        "ReportedStateEnum": "channels_registry.choices.ReportedState",
        "TriageOutcomeEnum": "channels_registry.choices.TriageOutcome",
        "FindingStateEnum": "channels_registry.choices.FindingState",
        "ReviewOutcomeEnum": "channels_registry.choices.ReviewOutcome",
        "PlatformKindEnum": "policies.choices.PlatformKind",
        "DecisionOutcomeEnum": "policies.choices.DecisionOutcome",
    },
}
API_TOKEN_DEFAULT_DAYS = env.int("API_TOKEN_DEFAULT_DAYS", default=90)
# SCIM: how many days IT's page keeps the identity provider's requests (a daily task forgets older ones).
SCIM_LOG_DAYS = env.int("SCIM_LOG_DAYS", default=30)
# SCIM role groups: whether the identity provider may give and take the privileged company roles (IT security,
# auditor, compliance: accounts.choices.Group.PRIVILEGED). Off: those groups are listed, read-only.
SCIM_PRIVILEGED_ROLE_GROUPS = env.bool("SCIM_PRIVILEGED_ROLE_GROUPS", default=False)

# --- Celery -----------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://localhost/")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    for _sub in ("queue", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
else:
    # A message a worker took but never acknowledged (the worker was killed) goes back to the queue
    # this many seconds after it was taken. Longer than any task runs and than the longest countdown
    # (webhook back-off), or those run twice. Every worker looks for such messages every
    # ``unacked_restore_interval`` seconds; kombu's default throttle (10) makes it look only on every
    # tenth of those turns, about every 100 s, so a message due back waited up to that long on top of
    # its timeout. A throttle of 1 looks every turn: one cheap sorted-set query a worker each interval.
    _visibility = env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": _visibility,
        "unacked_restore_interval": max(1, min(10, _visibility)),
        "unacked_restore_throttle": 1,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A publish that cannot reach the broker gives up quickly: the outbox sweep re-sends it.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
# django-celery-beat's scheduler (the schedule in the database), sending only while it holds the beat lock
# in Redis: a second beat stands by (core/scheduler.py). Each sent task's last run is written at once,
# so a standby that takes over knows what the leader already sent.
CELERY_BEAT_SCHEDULER = "core.scheduler:LeaderScheduler"
CELERY_BEAT_SYNC_EVERY = 1
CELERY_TIMEZONE = TIME_ZONE

# --- Notifications ----------------------------------------------------------
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=5.0)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_BACKOFF_BASE = env.int("WEBHOOK_BACKOFF_BASE", default=30)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=5)
OUTBOX_SWEEP_AFTER = timedelta(seconds=env.int("OUTBOX_SWEEP_AFTER_SECONDS", default=60))
# Networks outbound requests (webhooks) may reach although they are loopback, private or link-local
# (core/outbound.py): on-premises receivers, e.g. 10.20.0.0/16. Empty: public addresses only.
OUTBOUND_ALLOWED_NETWORKS = env.list("OUTBOUND_ALLOWED_NETWORKS", default=[])
for _network in OUTBOUND_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"OUTBOUND_ALLOWED_NETWORKS: {_network!r} is not a network (e.g. 10.20.0.0/16 or 192.0.2.7)."
        ) from None

# --- Audit trail: the key that signs checkpoints, and where they are written (both outside the database) ---
AUDIT_SIGNING_KEY_FILE = env.str("AUDIT_SIGNING_KEY_FILE", default="")
AUDIT_SIGNING_KEY = env.str("AUDIT_SIGNING_KEY", default="")

# Feed connectors (channels_registry.feeds): each read's time limit and the largest feed read (the addresses
# they may reach: core.outbound, OUTBOUND_ALLOWED_NETWORKS).
FEED_TIMEOUT_SECONDS = env.float("FEED_TIMEOUT_SECONDS", default=10.0)
FEED_MAX_BYTES = env.int("FEED_MAX_BYTES", default=5 * 1024 * 1024)
AUDIT_CHECKPOINT_DIR = env.str("AUDIT_CHECKPOINT_DIR", default=str(VAR_DIR / "audit-checkpoints"))

# --- Logging ----------------------------------------------------------------
# text: readable lines. json: one JSON object a line (structlog's formatter over the standard library's records), with
# the request id and the person on every line of a request and one line per request (socialgov.request: method,
# path, status, duration_ms), for log collectors.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be text or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "foreign_pre_chain": [
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.add_log_level,
                structlog.stdlib.add_logger_name,
                structlog.stdlib.ExtraAdder(),
                structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
                structlog.processors.format_exc_info,
            ],
            "processors": [
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.JSONRenderer(),
            ],
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
# LOG_FORMAT=json: the worker's and beat's lines go through LOGGING too, rather than Celery's own format
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT == "text"
