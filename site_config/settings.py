"""Soko settings, read from the environment.

Two modes (see docs/decisions/0001-two-modes-one-settings-file.md):
- embedded (default, no services): SQLite in WAL mode, in-memory channel layer,
  SQLite-backed Huey whose consumer runs inside the web process, local-memory cache;
- scale (DATABASE_URL / REDIS_URL set): PostgreSQL, channels-redis, RedisHuey with a
  separate `worker` process, Redis cache.
"""

import hashlib
import os
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from site_config.object_store import object_store_pictures_origin, object_store_storages

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = env("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
SOKO_SITE_NAME = env("SOKO_SITE_NAME", "Soko")
# The address people reach the site at: every link in an email starts with it (an email is
# read away from any request, so it cannot take the host a request came in on).
SOKO_SITE_URL = env("SOKO_SITE_URL").rstrip("/")
if DEBUG:
    SECRET_KEY = SECRET_KEY or "django-insecure-soko-development-key-not-for-production"
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
    SOKO_SITE_URL = SOKO_SITE_URL or "http://localhost:8000"
else:
    missing = [
        name
        for name, value in (("SECRET_KEY", SECRET_KEY), ("ALLOWED_HOSTS", ALLOWED_HOSTS), ("SOKO_SITE_URL", SOKO_SITE_URL))
        if not value
    ]
    if missing:
        raise ImproperlyConfigured(
            f"DEBUG is off, so {' and '.join(missing)} must be set in the environment (for example "
            "SECRET_KEY=<50+ random characters> ALLOWED_HOSTS=shop.example.com SOKO_SITE_URL=https://shop.example.com)."
        )
_site = urlsplit(SOKO_SITE_URL)
if _site.scheme not in {"http", "https"} or not _site.hostname or _site.path or _site.query or _site.fragment:
    raise ImproperlyConfigured(
        f"SOKO_SITE_URL must be the site's scheme and host, like https://shop.example.com (it is {SOKO_SITE_URL!r})."
    )

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "daphne",  # first: runserver then serves ASGI with websockets
    "shop.core.apps.SokoAdminConfig",  # django.contrib.admin with the site of shop/core/admin.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.headless",
    "rest_framework",
    "drf_spectacular",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "django_filters",
    "template_partials",  # its default config wraps the loaders so "page.html#fragment" loads
    "channels",
    "csp",
    "huey.contrib.djhuey",
    "shop.core",
    "shop.accounts",
    "shop.notifications",
    "shop.media",
    "shop.geo",
    "shop.chain",
    "shop.catalog",
    "shop.inventory",
    "shop.cart",
    "shop.orders",
    "shop.payments",
    "sellers",
    "couriers",
    "shop.auctions",
    "shop.chat",
    "shop.reviews",
    "returns",
    "shop.blog",
    "shop.moderation",
    "shop.promotions",
    "shop.api",
]
# Demo data (seed_demo: demo accounts with a published password, stores and catalog): in
# development, or in production only when asked for with SOKO_DEMO=1.
# Otherwise a stand-in app only answers seed_demo with why it will not run.
SOKO_DEMO = env_bool("SOKO_DEMO", default=DEBUG)
INSTALLED_APPS.append("shop.demo" if SOKO_DEMO else "shop.demo.off")
# The development gateway (Stripe played locally, no money moves) and its pages under
# /payments/dev/: development only, never installed with DEBUG=0.
if DEBUG:
    INSTALLED_APPS.append("shop.devgateway")

MIDDLEWARE = [
    "shop.core.middleware.liveness_probe",  # first: a load balancer's probe needs none of the rest
    "shop.core.logs.request_context",  # the request's id for every log line, one access line
    "django.middleware.security.SecurityMiddleware",
    "shop.core.middleware.ContentSecurityPolicyMiddleware",
    "shop.core.middleware.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "shop.core.middleware.reject_nul_characters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "shop.accounts.preferences.middleware.PreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "shop.accounts.middleware.StandingMiddleware",
    "shop.accounts.middleware.staff_second_factor_required",
    "shop.core.middleware.NotFoundMiddleware",
    "shop.core.middleware.DatabaseBusyMiddleware",
    "shop.core.middleware.SharedCacheDownMiddleware",
]

ROOT_URLCONF = "site_config.urls"
WSGI_APPLICATION = "site_config.wsgi.application"
ASGI_APPLICATION = "site_config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.core.context_processors.soko",
                "shop.notifications.context_processors.notifications",
                "shop.chat.context_processors.chat",
                "shop.cart.context_processors.cart",
            ],
            "builtins": ["template_partials.templatetags.partials", "shop.core.templatetags.text"],
        },
    },
]

# Database -----------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL")
# PostgreSQL: each process borrows its connections from a pool of at most this many, one
# unit of work at a time (a request, a socket's database call, a job), and a request waits
# this long for one before it is answered 503 "busy, try again" with Retry-After.
SOKO_DB_MAX_CONNECTIONS = int(env("SOKO_DB_MAX_CONNECTIONS", "10"))
SOKO_DB_CONNECT_WAIT_SECONDS = float(env("SOKO_DB_CONNECT_WAIT_SECONDS", "5"))
SOKO_BUSY_RETRY_AFTER_SECONDS = int(env("SOKO_BUSY_RETRY_AFTER_SECONDS", "5"))
# SQLite: how long a thread keeps its connection between requests (checked before reuse).
# The serving entry points (site_config/wsgi.py, site_config/asgi.py) set 60; 0 (close at
# the end of each unit of work) for everything else. PostgreSQL's pool reuses connections
# instead, and needs 0.
SOKO_DB_CONN_MAX_AGE = int(env("SOKO_DB_CONN_MAX_AGE", "0"))
# Threads one daphne process runs views on at once (shop.core.asgi).
SOKO_ASGI_THREADS = int(env("SOKO_ASGI_THREADS", "8"))
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # The pool (shop.core.postgresql): connections are borrowed per unit of work and
        # checked before each borrow; an idle thread holds none.
        DATABASES["default"]["ENGINE"] = "shop.core.postgresql"
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["pool"] = {"min_size": 1, "max_size": SOKO_DB_MAX_CONNECTIONS, "timeout": SOKO_DB_CONNECT_WAIT_SECONDS}
        # Search matches a title word one letter off (the default 0.6 misses "neclace").
        options["options"] = "-c pg_trgm.word_similarity_threshold=0.4"
        # Parameters bound by the server, and a statement run five times on a connection
        # is prepared there: PostgreSQL plans it once, not on every run. Planning was most
        # of PostgreSQL's work for the site's short queries (a chat message: 13 ms of its
        # CPU, 3.5 ms prepared). Only behind a pooler that keeps no prepared statements
        # (PgBouncer in transaction mode) set SOKO_DB_PREPARED_STATEMENTS=0.
        if env("SOKO_DB_PREPARED_STATEMENTS", "1") != "0":
            options["server_side_binding"] = True
            options["prepare_threshold"] = 5
else:
    DATABASES = {
        "default": {
            # Django's SQLite backend; a number beyond 64 bits matches nothing instead of a 500.
            "ENGINE": "shop.core.sqlite",
            "NAME": env("SQLITE_PATH") or BASE_DIR / "db.sqlite3",
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue
                # on busy_timeout instead of failing with "database is locked".
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, so a live daphne server in another process can share it in tests.
            "TEST": {"NAME": env("SQLITE_TEST_PATH") or BASE_DIR / ".test-db.sqlite3"},
            "CONN_MAX_AGE": SOKO_DB_CONN_MAX_AGE,
            "CONN_HEALTH_CHECKS": SOKO_DB_CONN_MAX_AGE > 0,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis: channels, huey, cache ----------------------------------------------------------
REDIS_URL = env("REDIS_URL")
SCALE_MODE = bool(REDIS_URL)

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # channels-redis, with a receive whose cancellation always ends it.
            "BACKEND": "shop.core.channel_layer.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s timeout by default, as long as channels-redis's
                # blocking receive, and caps a pool at 100 connections, raising beyond: the
                # first dropped a socket every 5 s, the second failed mass disconnects.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 30, "max_connections": 1000}],
                "prefix": "soko:channels",
            },
        }
    }
    CACHES = {
        "default": {
            # An unreachable Redis reads as a miss (shop.core.services.cache); a hung one answers
            # within these seconds instead of holding the request.
            "BACKEND": "shop.core.services.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "soko",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "soko",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "soko",
        "filename": env("HUEY_SQLITE_PATH") or str(BASE_DIR / "huey.sqlite3"),
        "immediate": False,
        # The consumer polls with backoff; a short ceiling keeps background work snappy.
        "consumer": {"workers": 2, "worker_type": "thread", "periodic": True, "max_delay": 0.5},
    }

# The embedded mode runs the Huey consumer in threads of the web process.
HUEY_EMBEDDED_WORKER = env_bool("HUEY_EMBEDDED_WORKER", default=not SCALE_MODE)

# Sockets: how often an open socket checks that its session still authenticates its
# user, and how many sockets (open pages) one user may have at once.
SOKO_SOCKET_RECHECK_SECONDS = float(env("SOKO_SOCKET_RECHECK_SECONDS", "60"))
SOKO_SOCKETS_PER_USER = int(env("SOKO_SOCKETS_PER_USER", "20"))
# Open sockets per client address, signed in or not (generous: an office or a carrier's NAT
# shares one address; an IPv6 client counts by its /64).
SOKO_SOCKETS_PER_ADDRESS = int(env("SOKO_SOCKETS_PER_ADDRESS", "200"))
# New sockets per client address a minute: a page opens one per visit; a loop reconnecting
# to flood again is turned away before its handshake costs work.
SOKO_SOCKET_CONNECTS_PER_MINUTE = int(env("SOKO_SOCKET_CONNECTS_PER_MINUTE", "600"))
# What one socket may send: frames per second on average, in bursts of up to
# SOKO_SOCKET_FRAME_BURST, each at most SOKO_SOCKET_MAX_FRAME_BYTES; beyond either the socket
# is closed. A page sends little (a chat page, one "typing" note every two seconds).
SOKO_SOCKET_FRAMES_PER_SECOND = float(env("SOKO_SOCKET_FRAMES_PER_SECOND", "5"))
SOKO_SOCKET_FRAME_BURST = int(env("SOKO_SOCKET_FRAME_BURST", "20"))
SOKO_SOCKET_MAX_FRAME_BYTES = int(env("SOKO_SOCKET_MAX_FRAME_BYTES", "4096"))
# How long a request waits for its pushes to leave for the channel layer before it counts
# them as failed and goes on (a push is best effort; the pages re-read on reconnect).
SOKO_PUSH_WAIT_SECONDS = float(env("SOKO_PUSH_WAIT_SECONDS", "5"))

# Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# Sign-up answers every address the same way: "enter the code we emailed you" (the owner of
# a known address is mailed that they already have an account). Only sign-up asks for the
# code (shop.accounts.services.stages); existing accounts log in with their password.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_ADAPTER = "shop.accounts.services.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "shop.accounts.forms.SignupForm"}
# Failed log-ins are counted per (account, client address) and per client address, never per
# account alone, so nobody elsewhere can lock an account: 5 per account and address within
# 5 minutes, and 50 per address within 10 minutes whatever the account; log-in attempts of
# any outcome, 60 per address a minute. The per-address figures are generous: a whole office
# or carrier NAT shares one address. The right password from another address always gets
# through (AccountAdapter._get_login_attempts_cache_key).
ACCOUNT_RATE_LIMITS = {"login": "60/m/ip", "login_failed": "5/5m/key,50/10m/ip"}
# The client address: the Nth address from the right of X-Forwarded-For when N trusted proxies
# append to it, or a header one trusted proxy sets (e.g. X-Real-IP); else the peer address.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("SOKO_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_CLIENT_IP_HEADER = env("SOKO_TRUSTED_CLIENT_IP_HEADER") or None
# Second factor: TOTP with recovery codes; required for staff (shop.accounts.middleware),
# optional for everyone else.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# What authenticator apps name the account after, and the start of allauth's email subjects,
# like Soko's own ("Soko: ..."); allauth would otherwise take the request's host and port.
MFA_TOTP_ISSUER = SOKO_SITE_NAME
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"{SOKO_SITE_NAME}: "

# The JSON API for apps (/api/v1/, docs/API.md) ----------------------------------------
# Apps sign in through allauth's headless "app" client, mounted at /api/v1/auth/ and
# /api/v1/tokens/: the sign-in limits, the e-mail code and the authenticator step are the
# pages' own. It answers with a short-lived access token and a refresh token (JWT, signed
# with SECRET_KEY: no other secret to configure); a refresh rotates the refresh token, and
# signing out ends the session the tokens belong to, so both stop working at once.
HEADLESS_ONLY = False
HEADLESS_CLIENTS = ("app",)
HEADLESS_TOKEN_STRATEGY = "allauth.headless.tokens.strategies.jwt.JWTTokenStrategy"
HEADLESS_JWT_ALGORITHM = "HS256"
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = True
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = int(env("SOKO_API_ACCESS_TOKEN_SECONDS", "300"))
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = int(env("SOKO_API_REFRESH_TOKEN_SECONDS", str(30 * 86400)))
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shop.api.authentication.AccessTokenAuthentication",
        # Same-origin scripts may use the signed-in session, with its CSRF token.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.api.problems.problem_handler",
    "DEFAULT_THROTTLE_CLASSES": ["shop.api.throttles.PerUser", "shop.api.throttles.PerAddress"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env("SOKO_API_RATE_PER_USER", "600/min"),
        "address": env("SOKO_API_RATE_PER_ADDRESS", "1200/min"),
    },
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}
# How long an Idempotency-Key names its first answer (shop/api/idempotency.py).
SOKO_API_IDEMPOTENCY_HOURS = int(env("SOKO_API_IDEMPOTENCY_HOURS", "24"))
SPECTACULAR_SETTINGS = {
    "TITLE": f"{SOKO_SITE_NAME} API",  # the site's API, named as the site is (templates/api/docs.html)
    "DESCRIPTION": "The marketplace's JSON API for apps and partners (docs/API.md).",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "shop.api.schema.problems_everywhere"],
    # The document is checked by the suite (tests/api/test_schema.py), not by `check --deploy`,
    # where its cosmetic enum-naming notes would stop a release.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
}

# Internationalisation -----------------------------------------------------------------
# Pages speak the visitor's language: the account's choice, else the language cookie (the
# switch in the navbar and footer), else the browser's Accept-Language. URLs carry no
# language prefix (docs/decisions/0011-languages-time-zones-and-currencies.md). Catalogs live in locale/ and are
# compiled with Babel (make messages / make compilemessages), no system gettext needed.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("sw", "Kiswahili"),
    ("ur", "اردو"),
]
LANGUAGES_BIDI = ["ur"]
# Dates day first and a 24-hour clock in English, Swahili and Urdu (site_config/formats/).
FORMAT_MODULE_PATH = ["site_config.formats"]
# Soko's own catalogs first (`make messages` writes there), then the Swahili and Urdu for
# django-allauth's sign-in pages and emails, which allauth does not ship (kept by hand).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_allauth"]
LANGUAGE_COOKIE_NAME = "soko_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
# Times are stored in UTC and shown in the viewer's zone (the account's, else the browser's,
# sent in the soko_tz cookie), falling back to TIME_ZONE.
TIME_ZONE = env("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static and media ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Public pictures: served from this site's /media/ by default, or from another origin
# (a CDN, a bucket, a cookieless host) named by SOKO_MEDIA_URL, e.g. https://media.example.com/.
MEDIA_URL = env("SOKO_MEDIA_URL") or "/media/"
if not MEDIA_URL.endswith("/"):
    MEDIA_URL += "/"
# Whether the web process itself serves MEDIA_ROOT at MEDIA_URL (development, or one machine
# without a proxy). Off by default in production: the proxy serves MEDIA_ROOT (README).
SOKO_SERVE_MEDIA = env_bool("SOKO_SERVE_MEDIA", default=DEBUG) and MEDIA_URL.startswith("/")
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "media")
SOKO_PRIVATE_MEDIA_ROOT = env("SOKO_PRIVATE_MEDIA_ROOT")  # default: <MEDIA_ROOT>-private
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded image originals (with EXIF), invoices, credit notes, exports: private, never served.
    "originals": {"BACKEND": "shop.media.services.storage.OriginalsStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Several machines share their files through an S3-compatible object store (AWS S3, MinIO,
# Ceph, R2...): set SOKO_S3_BUCKET (and the endpoint and keys unless the machine has a role).
# Public pictures go under media/ (make that prefix publicly readable, or put SOKO_MEDIA_URL's
# CDN in front of it); private files under private/ or in SOKO_S3_PRIVATE_BUCKET, reached only
# through signed addresses that expire after SOKO_S3_SIGNED_URL_SECONDS.
SOKO_S3_BUCKET = env("SOKO_S3_BUCKET")
SOKO_S3_SIGNED_URL_SECONDS = int(env("SOKO_S3_SIGNED_URL_SECONDS", "60"))
_s3_pictures_origin = ""  # where browsers fetch pictures from when no SOKO_MEDIA_URL host serves them
if SOKO_S3_BUCKET:
    _s3_pictures_origin = object_store_pictures_origin(
        bucket=SOKO_S3_BUCKET, endpoint_url=env("SOKO_S3_ENDPOINT_URL"), media_url=MEDIA_URL
    )
    STORAGES |= object_store_storages(
        bucket=SOKO_S3_BUCKET,
        private_bucket=env("SOKO_S3_PRIVATE_BUCKET"),
        endpoint_url=env("SOKO_S3_ENDPOINT_URL"),
        region=env("SOKO_S3_REGION"),
        access_key=env("SOKO_S3_ACCESS_KEY_ID"),
        secret_key=env("SOKO_S3_SECRET_ACCESS_KEY"),
        addressing_style=env("SOKO_S3_ADDRESSING_STYLE"),
        media_url=MEDIA_URL,
        signed_seconds=SOKO_S3_SIGNED_URL_SECONDS,
    )

# Email --------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
# The folder the file-based backend (django.core.mail.backends.filebased.EmailBackend) writes to.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
# Seconds each exchange with the mail server may take: a send never outlasts the claim a
# worker holds on it (shop.core.services.mail.EMAIL_CLAIM_LEASE).
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Soko <no-reply@soko.test>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Forms --------------------------------------------------------------------------------
# The largest real form is a product with SOKO_PRODUCT_MAX_VARIANTS variants (12 fields
# each) and its pictures, about 650 fields; a request with more is refused with a 400.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 800
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security (production) ----------------------------------------------------------------
# Django's database sessions, read with a compiled query (shop/accounts/sessions.py).
SESSION_ENGINE = "shop.accounts.sessions"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"


# One JSON object a line in production (time, level, request id, user hash, path, status,
# duration, job: shop.core.logs), readable lines in development; SOKO_LOG_FORMAT chooses.
SOKO_LOG_FORMAT = env("SOKO_LOG_FORMAT") or ("text" if DEBUG else "json")
if SOKO_LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f"SOKO_LOG_FORMAT is {SOKO_LOG_FORMAT!r}: say text or json.")
# Errors go to Sentry (or a server speaking its protocol) when SENTRY_DSN is set, with no
# personal data and the request id as a tag (site_config/errors.py).
SENTRY_DSN = env("SENTRY_DSN")
if SENTRY_DSN:
    from site_config.errors import sentry_start

    sentry_start(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT") or ("development" if DEBUG else "production"),
        release=env("SOKO_RELEASE"),
        traces_sample_rate=float(env("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
# Prometheus reads /metrics with this bearer token; without one /metrics does not exist.
SOKO_METRICS_TOKEN = env("SOKO_METRICS_TOKEN")
# One line per request answered (method, path, status, duration), from the soko.access logger.
SOKO_ACCESS_LOG = env_bool("SOKO_ACCESS_LOG", default=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "shop.core.logs.ContextFilter"}},
    "formatters": {
        "json": {"()": "shop.core.logs.JsonFormatter"},
        "text": {"()": "shop.core.logs.TextFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": SOKO_LOG_FORMAT, "filters": ["context"]},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's own request line (daphne/runserver) would repeat soko.access's.
        "django.server": {"level": "WARNING"},
    },
}

# Operator-tunable marketplace numbers -------------------------------------------------
SOKO_CURRENCY = env("SOKO_CURRENCY", "KES")
SOKO_NOTIFICATION_RETENTION_DAYS = int(env("SOKO_NOTIFICATION_RETENTION_DAYS", "90"))
# A notification whose email copy has not gone out after this long is retried by the sweep.
SOKO_EMAIL_RETRY_AFTER_MINUTES = int(env("SOKO_EMAIL_RETRY_AFTER_MINUTES", "5"))
SOKO_REQUIRE_SERVICES = env_bool("SOKO_REQUIRE_SERVICES")
# The worker writes a heartbeat every minute; /healthz/ready fails once the last is older than this.
SOKO_WORKER_LATE_SECONDS = int(env("SOKO_WORKER_LATE_SECONDS", "180"))
# Guest carts untouched this long are deleted by the sweep.
SOKO_GUEST_CART_DAYS = int(env("SOKO_GUEST_CART_DAYS", "30"))
# A live listing's price (or compare-at price) change by more than this goes back to review.
SOKO_REVIEW_PRICE_CHANGE_PERCENT = Decimal(env("SOKO_REVIEW_PRICE_CHANGE_PERCENT", "50"))
# Listings from staff-verified stores go live without review when this is on.
SOKO_AUTO_APPROVE_VERIFIED_STORES = env_bool("SOKO_AUTO_APPROVE_VERIFIED_STORES", default=True)
# Cash-on-delivery handover codes expire after this many days; wrong numeric codes allowed per order.
SOKO_HANDOVER_CODE_DAYS = int(env("SOKO_HANDOVER_CODE_DAYS", "7"))
SOKO_HANDOVER_MAX_ATTEMPTS = int(env("SOKO_HANDOVER_MAX_ATTEMPTS", "5"))
SOKO_CATALOG_PAGE_SIZE = int(env("SOKO_CATALOG_PAGE_SIZE", "24"))
# A search or listing with more matches than this shows an estimate ("about 16,000 products"):
# counting every match of a common word costs more than the page itself.
SOKO_CATALOG_EXACT_COUNT_BELOW = int(env("SOKO_CATALOG_EXACT_COUNT_BELOW", "1000"))
# Variants one product may have (the product form and the admin build no more rows).
SOKO_PRODUCT_MAX_VARIANTS = int(env("SOKO_PRODUCT_MAX_VARIANTS", "50"))
# Filter choices (brands, colours, sizes, stores) per category are cached this long, under
# the catalog's stamp (a change to the catalog gives them a new key at once).
SOKO_CATALOG_FACET_CACHE_SECONDS = int(env("SOKO_CATALOG_FACET_CACHE_SECONDS", "300"))
# Catalog pages a visitor without an account or cart sees are cached whole for this long,
# under the catalog's stamp (shop.catalog.services.page_cache); 0 turns it off.
SOKO_CATALOG_PAGE_CACHE_SECONDS = int(env("SOKO_CATALOG_PAGE_CACHE_SECONDS", "600"))
# The catalog's change log (shop.catalog.services.stamp) is pruned past this many rows.
SOKO_CATALOG_CHANGES_KEEP = int(env("SOKO_CATALOG_CHANGES_KEEP", "2000"))
# A new listing's words become typo targets (embedded mode) within this many seconds; its exact words match at once.
SOKO_SEARCH_VOCABULARY_SECONDS = int(env("SOKO_SEARCH_VOCABULARY_SECONDS", "60"))

# Checkout
# The flat fee per store order for home delivery (pick-up at the store is free), in the
# store's currency: SOKO_DELIVERY_FEES as "GNF:25000,PKR:250"; SOKO_DELIVERY_FEE for
# a currency not listed.
SOKO_DELIVERY_FEE = Decimal(env("SOKO_DELIVERY_FEE", "200"))
SOKO_DELIVERY_FEES = {
    code: Decimal(amount)
    for code, _sep, amount in (item.partition(":") for item in env_list("SOKO_DELIVERY_FEES", "GNF:25000,PKR:250"))
}
# Couriers. A job's commission is distance_km × rate + the store's bonus, in the order's
# currency: SOKO_COURIER_RATES_PER_KM as "GNF:2000,PKR:20"; SOKO_COURIER_RATE_PER_KM for a
# currency not listed.
SOKO_COURIER_RATE_PER_KM = Decimal(env("SOKO_COURIER_RATE_PER_KM", "2.0"))
SOKO_COURIER_RATES_PER_KM = {
    code: Decimal(amount)
    for code, _sep, amount in (item.partition(":") for item in env_list("SOKO_COURIER_RATES_PER_KM", "GNF:2000,PKR:20"))
}
# A job on the board nobody accepted within this many minutes is flagged to its store.
SOKO_JOB_UNTAKEN_MINUTES = int(env("SOKO_JOB_UNTAKEN_MINUTES", "30"))
# Refused scans (wrong, used, not yours…) one courier may make in a minute.
SOKO_COURIER_BAD_SCANS_PER_MINUTE = int(env("SOKO_COURIER_BAD_SCANS_PER_MINUTE", "10"))
# Wrong codes checked for one job over its life, whoever types them: past it the job's codes
# are taken from their QR only (the bound on guessing a code: docs/decisions/0020-handover-codes.md).
SOKO_COURIER_WRONG_CODES_PER_JOB = int(env("SOKO_COURIER_WRONG_CODES_PER_JOB", "10"))
# How often a courier's page shares its location while an order is on its way.
SOKO_COURIER_LOCATION_SECONDS = int(env("SOKO_COURIER_LOCATION_SECONDS", "30"))
# An online payment not made within this many minutes releases the checkout's stock.
SOKO_PAYMENT_DEADLINE_MINUTES = int(env("SOKO_PAYMENT_DEADLINE_MINUTES", "30"))
# Who pays for Soko's own promo codes: "platform" (the stores get their full share, Soko's
# ledger account platform:promotions carries the cost) or "stores" (like a store's own code).
SOKO_PLATFORM_CODES_PAID_BY = env("SOKO_PLATFORM_CODES_PAID_BY", "platform")


def env_per_currency(name: str, default: str) -> dict[str, Decimal]:
    """A number per currency: "10,GNF:1000" is 10 for every currency but GNF's 1000
    (the plain number is under the key "default")."""
    values = {}
    for item in env_list(name, default):
        currency, _sep, number = item.rpartition(":")
        values[currency.strip().upper() or "default"] = Decimal(number)
    return values


# Loyalty points (shop.promotions.services.loyalty): a completed order earns 1 point per
# SOKO_LOYALTY_EARN_EVERY units of its currency paid for items; a point takes
# SOKO_LOYALTY_POINT_VALUE of the currency off a later order, at most
# SOKO_LOYALTY_MAX_ORDER_PERCENT of its items; points expire SOKO_LOYALTY_EXPIRY_DAYS after
# they were earned.
SOKO_LOYALTY_EARN_EVERY = env_per_currency("SOKO_LOYALTY_EARN_EVERY", "10")
SOKO_LOYALTY_POINT_VALUE = env_per_currency("SOKO_LOYALTY_POINT_VALUE", "0.10")
SOKO_LOYALTY_MAX_ORDER_PERCENT = Decimal(env("SOKO_LOYALTY_MAX_ORDER_PERCENT", "50"))
SOKO_LOYALTY_EXPIRY_DAYS = int(env("SOKO_LOYALTY_EXPIRY_DAYS", "365"))
# Days after delivery the buyer may report a problem before the store's share is released.
SOKO_BUYER_PROTECTION_DAYS = int(env("SOKO_BUYER_PROTECTION_DAYS", "3"))
# The platform's fee in percent of each line, by how it was sold ("fixed:2.5,auction:2").
SOKO_PLATFORM_FEES = {
    kind: Decimal(percent)
    for kind, _sep, percent in (item.partition(":") for item in env_list("SOKO_PLATFORM_FEES", "fixed:2.5,auction:2"))
}
# Auctions. The next bid must beat the current price by the increment of its price band:
# SOKO_AUCTION_INCREMENTS as "from:step" pairs ("0:1,100:5,…" = 1 below 100, 5 from 100…),
# in the auction's currency; the same table serves every currency, scaled by
# SOKO_AUCTION_INCREMENT_SCALES ("GNF:1000,PKR:10": multiply bands and steps).
SOKO_AUCTION_INCREMENTS = [
    (Decimal(start), Decimal(step))
    for start, _sep, step in (
        item.partition(":")
        for item in env_list("SOKO_AUCTION_INCREMENTS", "0:1,100:5,500:10,1000:25,5000:50,10000:100,50000:500,100000:1000")
    )
]
SOKO_AUCTION_INCREMENT_SCALES = {
    code: Decimal(scale)
    for code, _sep, scale in (item.partition(":") for item in env_list("SOKO_AUCTION_INCREMENT_SCALES", "GNF:100,PKR:1"))
}
# A bid in an auction's last N minutes moves its end to N minutes after that bid.
SOKO_AUCTION_SOFT_CLOSE_MINUTES = int(env("SOKO_AUCTION_SOFT_CLOSE_MINUTES", "2"))
# Hours a winner (or a second-chance buyer) has to pay before the order is cancelled.
SOKO_AUCTION_PAYMENT_HOURS = int(env("SOKO_AUCTION_PAYMENT_HOURS", "48"))
# Hours a second-chance offer stays open.
SOKO_AUCTION_OFFER_HOURS = int(env("SOKO_AUCTION_OFFER_HOURS", "24"))
# Unpaid wins after which a buyer may no longer bid (staff can lift the block).
SOKO_AUCTION_VIOLATIONS_TO_BLOCK = int(env("SOKO_AUCTION_VIOLATIONS_TO_BLOCK", "3"))
# A maximum bid this many times the least next bid (or more) is confirmed before it is placed.
SOKO_AUCTION_BID_CONFIRM_RATIO = Decimal(env("SOKO_AUCTION_BID_CONFIRM_RATIO", "3"))
# Watchers hear that an auction ends within this many minutes, once.
SOKO_AUCTION_ENDING_SOON_MINUTES = int(env("SOKO_AUCTION_ENDING_SOON_MINUTES", "15"))
# Chat: messages a person may send per minute; messages a conversation page shows at a time
# (older ones load upward); minutes between email digests of unread messages per conversation;
# hours an offer made in a chat stays open, and hours to pay once it is accepted.
SOKO_CHAT_MESSAGES_PER_MINUTE = int(env("SOKO_CHAT_MESSAGES_PER_MINUTE", "30"))
SOKO_CHAT_PAGE_SIZE = int(env("SOKO_CHAT_PAGE_SIZE", "30"))
SOKO_CHAT_EMAIL_MINUTES = int(env("SOKO_CHAT_EMAIL_MINUTES", "15"))
SOKO_CHAT_OFFER_HOURS = int(env("SOKO_CHAT_OFFER_HOURS", "24"))
SOKO_CHAT_OFFER_PAY_HOURS = int(env("SOKO_CHAT_OFFER_PAY_HOURS", "24"))
# Reviews: days a review stays editable; hours after delivery before the one email asking
# for a review; reviews a product page shows at a time.
SOKO_REVIEW_EDIT_DAYS = int(env("SOKO_REVIEW_EDIT_DAYS", "30"))
SOKO_REVIEW_EMAIL_HOURS = int(env("SOKO_REVIEW_EMAIL_HOURS", "48"))
SOKO_REVIEWS_PAGE_SIZE = int(env("SOKO_REVIEWS_PAGE_SIZE", "10"))
# Reports (the trust rule is shop/moderation/reports/trust.py): the trusted weight of open
# reports that hides a product without bids, a review or a message by itself (stores,
# accounts and auctions with bids only ever wait for staff); reports one person may file
# per hour; accounts younger than SOKO_REPORT_TRUST_AGE_DAYS weigh nothing (their reports
# reach staff only); a reporter with at least SOKO_REPORT_REJECTED_MIN rejected reports,
# more rejected than upheld, weighs nothing either; a case reported by
# SOKO_REPORT_URGENT_REPORTERS distinct people, whatever their weight, goes to the top of
# the staff queue.
SOKO_REPORT_THRESHOLD = int(env("SOKO_REPORT_THRESHOLD", "6"))
SOKO_REPORTS_PER_HOUR = int(env("SOKO_REPORTS_PER_HOUR", "10"))
SOKO_REPORT_REJECTED_MIN = int(env("SOKO_REPORT_REJECTED_MIN", "5"))
SOKO_REPORT_TRUST_AGE_DAYS = int(env("SOKO_REPORT_TRUST_AGE_DAYS", "30"))
SOKO_REPORT_URGENT_REPORTERS = int(env("SOKO_REPORT_URGENT_REPORTERS", "5"))
# Returns: the default return window of a store (each store can change its own); days a
# buyer has to escalate a rejected return to staff.
SOKO_RETURN_WINDOW_DAYS = int(env("SOKO_RETURN_WINDOW_DAYS", "30"))
SOKO_RETURN_ESCALATE_DAYS = int(env("SOKO_RETURN_ESCALATE_DAYS", "7"))
# A returned parcel the store neither refunds nor disputes this long after receiving it is refunded.
SOKO_RETURN_INSPECTION_DAYS = int(env("SOKO_RETURN_INSPECTION_DAYS", "3"))
# Sales forecasts: days since a store's (or product's) first sale before it is forecast (and
# sales on at least a quarter of them); a variant is "low" when its stock falls to its own
# threshold, or a best seller's stock below the forecast demand of this many days.
SOKO_FORECAST_MIN_DAYS = int(env("SOKO_FORECAST_MIN_DAYS", "56"))
SOKO_LOW_STOCK_FORECAST_DAYS = int(env("SOKO_LOW_STOCK_FORECAST_DAYS", "14"))
# Complaints: days a party has to answer staff (a reminder, then as long again before staff
# take it over); days a resolved complaint stays open before it closes by itself; the most
# support staff may refund in one complaint, per currency ("KES:20000,USD:150"; a currency
# not named has no allowance), beyond which the moderation.refund_over_limit permission is needed.
SOKO_COMPLAINT_REPLY_DAYS = int(env("SOKO_COMPLAINT_REPLY_DAYS", "3"))
SOKO_COMPLAINT_CLOSE_DAYS = int(env("SOKO_COMPLAINT_CLOSE_DAYS", "7"))
SOKO_SUPPORT_REFUND_LIMIT = {
    code: Decimal(amount)
    for code, _sep, amount in (
        item.partition(":")
        for item in env_list("SOKO_SUPPORT_REFUND_LIMIT", "KES:20000,GNF:1500000,PKR:40000,USD:150,EUR:150")
    )
}
# A tax line on invoices ("VAT:16" = 16 % included in prices); empty for none.
SOKO_INVOICE_TAX = env("SOKO_INVOICE_TAX")

# Stripe (cards): both secrets, from the Stripe dashboard, no defaults. Without a secret key
# and with DEBUG=1, cards go through the development gateway (shop.devgateway): a local
# hosted page with Pay / Decline / Cancel that speaks Stripe's API in-process and signs its
# events with a secret derived from this process's SECRET_KEY; with DEBUG=0 cards are then
# not offered, and `check --deploy` refuses SOKO_PAYMENT_METHODS naming them.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
if DEBUG and not STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    STRIPE_WEBHOOK_SECRET = "whsec_dev_" + hashlib.sha256(f"soko-devgateway:{SECRET_KEY}".encode()).hexdigest()[:40]
# Where the stripe library sends requests: Stripe itself, or a fake in tests and demos.
STRIPE_API_BASE = env("STRIPE_API_BASE", "https://api.stripe.com")
# Currencies Stripe Checkout is offered in (Stripe does not settle every currency).
STRIPE_CURRENCIES = env_list("STRIPE_CURRENCIES", "KES,GNF,PKR,USD,EUR")
# Pending Checkout Sessions older than this many minutes are settled from Stripe's side.
STRIPE_SETTLE_AFTER_MINUTES = int(env("STRIPE_SETTLE_AFTER_MINUTES", "10"))

# M-Pesa (Daraja STK push), Kenya; offered for KES when the keys are set.
MPESA_API_BASE = env("MPESA_API_BASE", "https://sandbox.safaricom.co.ke")
MPESA_CONSUMER_KEY = env("MPESA_CONSUMER_KEY")
MPESA_CONSUMER_SECRET = env("MPESA_CONSUMER_SECRET")
MPESA_SHORTCODE = env("MPESA_SHORTCODE", "174379")
MPESA_PASSKEY = env("MPESA_PASSKEY")
# The public address Safaricom posts results to (this site's /payments/mpesa/callback/).
MPESA_CALLBACK_URL = env("MPESA_CALLBACK_URL")
# The API operator (initiator) and its encrypted password, for the Transaction Status API
# that tells a paid push's receipt, amount and phone.
MPESA_INITIATOR = env("MPESA_INITIATOR")
MPESA_SECURITY_CREDENTIAL = env("MPESA_SECURITY_CREDENTIAL")
# A push with no callback after this many seconds is asked about with the STK query API.
MPESA_QUERY_AFTER_SECONDS = int(env("MPESA_QUERY_AFTER_SECONDS", "120"))
# A push that ended here (stopped, cash, deadline) is asked about this long after it was sent.
MPESA_QUERY_ENDED_WITHIN_SECONDS = int(env("MPESA_QUERY_ENDED_WITHIN_SECONDS", "86400"))

# PayPal (Orders v2); offered when the client id and secret are set.
PAYPAL_API_BASE = env("PAYPAL_API_BASE", "https://api-m.sandbox.paypal.com")
PAYPAL_CLIENT_ID = env("PAYPAL_CLIENT_ID")
PAYPAL_CLIENT_SECRET = env("PAYPAL_CLIENT_SECRET")
PAYPAL_CURRENCIES = env_list("PAYPAL_CURRENCIES", "USD,EUR")

# Payment method codes offered at checkout, in order (shop/payments/gateways.py); each
# is offered only where it can take the checkout (currency, country, configuration).
# Default: every method in development; with DEBUG=0, cash on delivery and the methods
# whose provider settings are present (`check --deploy` refuses a method named here whose
# provider is not configured).
_PROVIDERS_CONFIGURED = {
    "card": bool(STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET),
    "mpesa": bool(MPESA_CONSUMER_KEY and MPESA_CONSUMER_SECRET and MPESA_PASSKEY and MPESA_CALLBACK_URL),
    "paypal": bool(PAYPAL_CLIENT_ID and PAYPAL_CLIENT_SECRET),
    "crypto": all(env(name) for name in ("SOKO_ETH_RPC_URL", "SOKO_ETH_CHAIN_ID", "SOKO_ETH_ESCROW_ADDRESS", "SOKO_ETH_TOKEN_ADDRESS", "SOKO_ETH_PLATFORM_KEY")),
}
_PAYMENT_METHODS_DEFAULT = ["cod", *(code for code, ready in _PROVIDERS_CONFIGURED.items() if ready or DEBUG)]
SOKO_PAYMENT_METHODS = env_list("SOKO_PAYMENT_METHODS", ",".join(_PAYMENT_METHODS_DEFAULT))

# Images
SOKO_IMAGE_MAX_BYTES = int(env("SOKO_IMAGE_MAX_BYTES", str(8 * 1024 * 1024)))
# Checked against the header's declared size before any pixel is decoded.
SOKO_IMAGE_MAX_PIXELS = int(env("SOKO_IMAGE_MAX_PIXELS", "40000000"))
SOKO_IMAGE_MAX_COUNT = int(env("SOKO_IMAGE_MAX_COUNT", "8"))
# Rendition widths in pixels; pictures are never enlarged to reach them.
SOKO_IMAGE_SIZES = tuple(int(width) for width in env_list("SOKO_IMAGE_SIZES", "160,480,1200"))
# Every picture also has the content ID `ipfs add` gives its bytes. With an IPFS Pinning
# Service API endpoint and its access token, renditions are pinned there after they are made
# (never originals); with a gateway too (its origin, e.g. https://ipfs.example.com), pages
# fetch pinned renditions from <gateway>/ipfs/<cid>. `check --deploy` refuses half of a pinning
# service (media.E001). The service fetches the bytes from the IPFS nodes named in
# SOKO_IPFS_PIN_ORIGINS (multiaddrs). A pin is looked at (or, failed, asked for) again after
# SOKO_IPFS_PIN_RETRY_SECONDS, doubled each time, up to SOKO_IPFS_PIN_ATTEMPTS exchanges.
SOKO_IPFS_PINNING_URL = env("SOKO_IPFS_PINNING_URL").rstrip("/")
SOKO_IPFS_PINNING_TOKEN = env("SOKO_IPFS_PINNING_TOKEN")
SOKO_IPFS_GATEWAY = env("SOKO_IPFS_GATEWAY").rstrip("/")
SOKO_IPFS_PIN_ORIGINS = env_list("SOKO_IPFS_PIN_ORIGINS")
SOKO_IPFS_PIN_ATTEMPTS = int(env("SOKO_IPFS_PIN_ATTEMPTS", "12"))
SOKO_IPFS_PIN_RETRY_SECONDS = int(env("SOKO_IPFS_PIN_RETRY_SECONDS", "60"))

# Stores
SOKO_STORES_PAGE_SIZE = int(env("SOKO_STORES_PAGE_SIZE", "24"))
# Days a team invitation link stays valid.
SOKO_STORE_INVITE_DAYS = int(env("SOKO_STORE_INVITE_DAYS", "14"))
# Map tiles for the store location picker; point at your own tile server in production.
SOKO_MAP_TILE_URL = env("SOKO_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
SOKO_MAP_TILE_ATTRIBUTION = env(
    "SOKO_MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)
# An Ethereum JSON-RPC endpoint; without it, stores' ENS names are shown as unverified.
SOKO_ETH_RPC_URL = env("SOKO_ETH_RPC_URL")
SOKO_ETH_RPC_TIMEOUT = float(env("SOKO_ETH_RPC_TIMEOUT", "5"))
# The ENS registry names are resolved through (mainnet's by default), and how long a Sign-In
# with Ethereum message for verifying a store's ENS name may be signed and sent back.
SOKO_ENS_REGISTRY = env("SOKO_ENS_REGISTRY", "0x00000000000C2E074eC69A0dFb2997BA6C7d2e1e")
SOKO_ENS_MESSAGE_MINUTES = int(env("SOKO_ENS_MESSAGE_MINUTES", "10"))
# Sign-In with Ethereum messages one store may ask for in an hour (each asks the node).
SOKO_ENS_MESSAGES_PER_HOUR = int(env("SOKO_ENS_MESSAGES_PER_HOUR", "10"))
# The escrow that holds payments in a stablecoin (shop/chain/contracts/SokoEscrow.sol) on that
# node's chain: the chain's id (transactions are signed for it), the escrow's and the token's
# addresses, and the platform's private key (hex), the only key that releases a store's share
# or refunds a buyer. `manage.py chain_deploy` deploys the contracts and prints these. All
# four or none: `check --deploy` refuses part of them (chain.E001). A transfer on chain counts
# once SOKO_ETH_CONFIRMATIONS blocks stand on its own; the platform's transactions are waited
# for SOKO_ETH_RECEIPT_TIMEOUT seconds, then left to the next retry.
SOKO_ETH_CHAIN_ID = int(env("SOKO_ETH_CHAIN_ID", "0"))
SOKO_ETH_ESCROW_ADDRESS = env("SOKO_ETH_ESCROW_ADDRESS")
SOKO_ETH_TOKEN_ADDRESS = env("SOKO_ETH_TOKEN_ADDRESS")
SOKO_ETH_PLATFORM_KEY = env("SOKO_ETH_PLATFORM_KEY")
SOKO_ETH_CONFIRMATIONS = int(env("SOKO_ETH_CONFIRMATIONS", "12"))
SOKO_ETH_RECEIPT_TIMEOUT = float(env("SOKO_ETH_RECEIPT_TIMEOUT", "120"))
# Paying with a stablecoin wallet (the "crypto" method, offered when the chain's node, chain
# id, escrow, token and platform key are set): a checkout's price in the token holds
# SOKO_CRYPTO_QUOTE_SECONDS; deposits for a quote are still looked for
# SOKO_CRYPTO_WATCH_AFTER_EXPIRY_SECONDS after it expired (and held for review as late).
SOKO_CRYPTO_QUOTE_SECONDS = int(env("SOKO_CRYPTO_QUOTE_SECONDS", "900"))
SOKO_CRYPTO_WATCH_AFTER_EXPIRY_SECONDS = int(env("SOKO_CRYPTO_WATCH_AFTER_EXPIRY_SECONDS", "86400"))

# Content-Security-Policy --------------------------------------------------------------

def _origin(url: str) -> str | None:
    """scheme://host[:port] of an absolute URL, None for a path."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


# Content-Security-Policy (django-csp), in every mode so development shows a violation the
# day it is written. Scripts and styles come only from this site's static files (a <style>
# or <script> that must be inline carries the request's nonce); no inline handlers, no
# eval (htmx's allowEval is off), no framing, forms post only here. Pictures may also come
# from the media origin (SOKO_MEDIA_URL) and the map tile server, and from blob: (a picture
# the person has chosen, shown before it is uploaded); sockets are same-origin.
# form-action also binds the redirects a form's POST follows: payment providers are reached
# by a GET page of ours (shop.payments.gateways.hosted_page_redirect), never by a redirect.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", "blob:", *filter(None, [_origin(MEDIA_URL), _s3_pictures_origin, _origin(SOKO_MAP_TILE_URL), _origin(SOKO_IPFS_GATEWAY)])],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
