"""Settings, read from the environment (see README, "Configuration").

``DTGX_ENV`` selects the profile: ``production`` (the default) requires every
secret to be set; ``demo`` and ``test`` supply local defaults so that the two
set-up commands work on a fresh machine.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dtgx.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
PACKAGE_DIR = Path(__file__).resolve().parent

ENVIRONMENT = env_choice(
    "DTGX_ENV", choices=("production", "demo", "test"), default="production"
)
IS_LOCAL = ENVIRONMENT in ("demo", "test")

# Only the local profiles have a key of their own; production must set one.
SECRET_KEY = env_str(
    "SECRET_KEY",
    f"insecure-local-{ENVIRONMENT}-key-never-use-in-production" if IS_LOCAL else None,
)
DEBUG = env_bool("DEBUG", default=False)
if not IS_LOCAL:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must stay off when DTGX_ENV=production.")
    if len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long.")
ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", "testserver"] if IS_LOCAL else [],
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required: the host names this site is served under."
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "dtgx.errors.csrf_failure"

_default_db = f"sqlite:///{BASE_DIR / 'var' / 'dtgx.sqlite3'}" if IS_LOCAL else None
try:
    DATABASES = {
        "default": dj_database_url.parse(
            env_str("DATABASE_URL", _default_db), conn_max_age=60
        )
    }
except (ValueError, dj_database_url.UnknownSchemeError) as error:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL this system knows ({error}); "
        "use sqlite:///path or postgres://user@host:port/name."
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "dtgx.regions",
    "dtgx.accounts",
    "dtgx.questionnaires",
    "dtgx.registry",
    "dtgx.survey",
    "dtgx.validation",
    "dtgx.reporting",
    "dtgx.quality",
    "dtgx.imports",
    "django_tasks",
    "django_tasks_db",
    "dtgx.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dtgx.accounts.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "dtgx.accounts.middleware.ForcePasswordChangeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Our page for the empty 405 of POST-only addresses opened with GET.
    "dtgx.errors.MethodNotAllowedPageMiddleware",
    # Last, as django-axes asks, so that it sees the outcome of the views.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dtgx.urls"
WSGI_APPLICATION = "dtgx.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dtgx.accounts.backends.AccountBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "dtgx.accounts.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "dtgx.accounts.passwords.CharacterClassValidator"},
]
if ENVIRONMENT == "test":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login security: lockout after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", default=5, minimum=1)
LOGIN_LOCKOUT_MINUTES = env_int("LOGIN_LOCKOUT_MINUTES", default=30, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
# Lock by account, not by address: a county office shares one address, and
# one clerk's typos must not lock out the whole office (hence axes.W006 off).
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

# Idle timeout: the session expires after this many seconds without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", default=30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not IS_LOCAL)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
# WhiteNoise serves static files in every profile; the local ones read them
# straight from the apps, production from `collectstatic` output.
WHITENOISE_USE_FINDERS = IS_LOCAL
WHITENOISE_AUTOREFRESH = IS_LOCAL
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (imports): the database queue in production, worked by
# `python manage.py db_worker`; at once, in the request, for demo and tests.
TASK_BACKEND = env_choice(
    "TASK_BACKEND",
    choices=("database", "immediate"),
    default="immediate" if IS_LOCAL else "database",
)
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend"
        if TASK_BACKEND == "database"
        else "django_tasks.backends.immediate.ImmediateBackend"
    }
}
# Uploaded import files wait here until the clerk decides (then deleted).
IMPORT_DIR = Path(env_str("IMPORT_DIR", str(BASE_DIR / "var" / "imports")))

# Version of the confidentiality agreement (第三十二条) users must accept.
CONFIDENTIALITY_AGREEMENT_VERSION = "2026-1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {
        "handlers": ["console"],
        "level": env_choice(
            "LOG_LEVEL",
            choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"),
            default="WARNING",
        ),
    },
}
