"""Settings for conflictdesk, read from the environment.

Environments differ in values, not in code paths:
- DATABASE_URL absent: a SQLite file under var/ (the embedded default);
- CELERY_BROKER_URL absent: Celery tasks run in-process (task_always_eager) through the
  very same task code;
- DJANGO_ENV=production: no default secret, secure cookies, HSTS, and
  `manage.py check --deploy` clean.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"DJANGO_ENV must be development, test or production, not {DJANGO_ENV!r}"
    )
PRODUCTION = DJANGO_ENV == "production"

# In production the secret has no default: a missing or placeholder key refuses to start.
if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure") or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DJANGO_ENV=production needs SECRET_KEY: at least 50 random characters "
            "(python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-conflictdesk-development-only")

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ENV=production needs ALLOWED_HOSTS.")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "knox",
    "axes",
    "sources",
    "claims",
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "conflictdesk.urls"
WSGI_APPLICATION = "conflictdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "conflictdesk.context_processors.membership",
            ],
        },
    },
]

# Absent DATABASE_URL means the embedded default: one SQLite file under var/.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'conflictdesk.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # WAL lets the web process read while an in-process ingest writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # The actor page's covering index (INCLUDE) is PostgreSQL's; SQLite makes it a plain
    # index, which is all it needs on a laptop's data.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # JIT compilation adds most of a second to large list queries and saves nothing on
    # the short ones a web request makes (docs/BENCH-WEB.md).
    # DateStyle ISO whatever the server's default: the records read timestamps as text.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off -c DateStyle=ISO"
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Django's backend, with a health check that needs no round trip when the
    # connection's socket is quiet (conflictdesk/postgresql/base.py).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["ENGINE"] = "conflictdesk.postgresql"
    # The claim records' statement is prepared once per connection and then only run
    # (conflictdesk.db.prepared_cursor: planning it cost as much as running it). Only
    # that cursor binds on the server, so nothing else is ever prepared. Off for a
    # transaction pooler that does not keep prepared statements.
    if env.bool("DB_PREPARED_STATEMENTS", default=True):
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
# The API serves claim records PostgreSQL wrote once and keeps exact by triggers
# (claims.record_store); off: every request writes them again.
STORED_RECORDS = env.bool("STORED_RECORDS", default=True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username/address before the password check.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with each user's permissions kept in the cache.
    "accounts.permissions.CachedPermissionBackend",
]
# Login lockout: this many failures for one username from one address lock it for the
# cool-off period (hours); admins unlock in the admin (Axes › access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True

# Arabic first; English is the second UI language.
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
# whitenoise serves from here; it must exist even before the first collectstatic.
Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

# A shared cache (Redis) keeps API throttle counters and cached charts common to every
# web process; absent CACHE_URL, each process has its own in-memory cache.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "conflictdesk.caching.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "conflictdesk",
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, not {CACHE_URL!r}")
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Each user's permissions kept across requests (accounts/permissions.py), by default only
# in a cache every process shares: there a change of role reaches all of them at once.
CONFLICTDESK_PERMISSION_CACHE = env.bool("CONFLICTDESK_PERMISSION_CACHE", default=bool(CACHE_URL))

# Celery: the broker URL switches workers on; without it tasks run in-process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Eager tasks never touch a broker; naming the in-memory one keeps kombu quiet.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A task is acknowledged only when it finished, and a worker killed mid-task hands it
# back: nothing received is dropped. Tasks are idempotent, so a redelivery is harmless.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis redelivers an unacknowledged task (its worker died) after this many seconds;
    # workers look for such tasks every interval x throttle seconds (kombu: 10 x 10).
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": env.int("CELERY_UNACKED_RESTORE_INTERVAL", default=10),
    "unacked_restore_throttle": env.int("CELERY_UNACKED_RESTORE_THROTTLE", default=10),
}
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TIMEZONE = TIME_ZONE
# Publishing to an unreachable broker fails fast: the file stays queued and the
# requeue task (or `ingest --requeue`) sends it once the broker is back.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}

# Ingestion limits: a file over them is recorded as failed with the reason.
CONFLICTDESK_MAX_FILE_BYTES = env.int("CONFLICTDESK_MAX_FILE_BYTES", default=5 * 1024 * 1024)
# A watched folder scanned by Celery beat; unset: no inbox.
CONFLICTDESK_INBOX = env.str("CONFLICTDESK_INBOX", default="")
CONFLICTDESK_INBOX_INTERVAL = env.float("CONFLICTDESK_INBOX_INTERVAL", default=10.0)
# Files still queued after this many seconds are queued again (the broker was down).
CONFLICTDESK_REQUEUE_AFTER = env.int("CONFLICTDESK_REQUEUE_AFTER", default=300)
CONFLICTDESK_MAX_UPLOAD_FILES = env.int("CONFLICTDESK_MAX_UPLOAD_FILES", default=100)
# A file processed this many times without finishing (its worker died, or it was
# retried for database errors) fails with the reason. Above the task retries (5).
CONFLICTDESK_MAX_ATTEMPTS = env.int("CONFLICTDESK_MAX_ATTEMPTS", default=8)
# Received files go to the workers this many to a task (one delivery, one acknowledgement
# and one index-lock transaction for the lot); each file still succeeds or fails alone.
CONFLICTDESK_INGEST_CHUNK = env.int("CONFLICTDESK_INGEST_CHUNK", default=25)
CELERY_BEAT_SCHEDULE = {
    "scan-inbox": {"task": "sources.tasks.scan_inbox", "schedule": CONFLICTDESK_INBOX_INTERVAL},
    "requeue-stalled-files": {"task": "sources.tasks.requeue_stalled_files", "schedule": 60.0},
}
CONFLICTDESK_REGISTRY_PATH = env.path(
    "CONFLICTDESK_REGISTRY_PATH", default=BASE_DIR / "claims" / "data" / "actors.toml"
)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "conflictdesk.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # Token first: an unauthenticated request gets 401 with `WWW-Authenticate: Token`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "conflictdesk.api.ScopedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "conflictdesk.api.ReadOnlyTokenCannotWrite",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["conflictdesk.api.PerTokenThrottle"],
    # Requests per token (or per signed-in user); the cache is per process unless a
    # shared cache is configured.
    "DEFAULT_THROTTLE_RATES": {"api": env.str("CONFLICTDESK_API_RATE", default="600/min")},
    "EXCEPTION_HANDLER": "conflictdesk.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "conflictdesk.api.UpdatedCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "conflictdesk.schema.ApiSchema",
    "DEFAULT_FILTER_BACKENDS": ["conflictdesk.api.StrictFilterBackend"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "conflictdesk.api.StrictContentNegotiation",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "conflictdesk API",
    "VERSION": "1",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The contract is for signed-in users and token holders, like the data.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.ClaimStatus",
        "ActorStatusEnum": "claims.models.ActorStatus",
        "IngestedFileStatusEnum": "sources.models.IngestedFileStatus",
    },
}

# No inline script anywhere; everything the pages load is served from this origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # Health checks come over plain HTTP from inside the deployment.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # One line per task is worker-log material, not command output.
    "loggers": {
        "axes": {"level": "WARNING"},
        "celery.app.trace": {"level": "INFO" if CELERY_BROKER_URL != "memory://" else "WARNING"},
    },
}
