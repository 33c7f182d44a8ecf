"""The one settings module. Every knob comes from the environment through typed helpers.

Local runs (make demo, make test) read `var/ronghe.env`, written by `scripts/init_env.py` with
random keys; production sets the same variables in its service environment. Security defaults
are the production ones; `RONGHE_HTTPS=false` is the only switch that loosens them, for the
loopback demo server and the test client.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url

from ronghe.core.env import env_bool, env_int, env_list, env_str, load_env_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("RONGHE_VAR_DIR", str(BASE_DIR / "var")))
load_env_file(Path(env_str("RONGHE_ENV_FILE", str(VAR_DIR / "ronghe.env"))))

TESTING = "pytest" in sys.modules

# --- core -------------------------------------------------------------------------------------
SECRET_KEY = env_str("RONGHE_SECRET_KEY")
DEBUG = env_bool("RONGHE_DEBUG", False)
HTTPS = env_bool("RONGHE_HTTPS", True)
ALLOWED_HOSTS = env_list("RONGHE_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("RONGHE_CSRF_TRUSTED_ORIGINS", [])

# Sensitive fields (ID number, phone): Fernet keys, newest first, and the HMAC key of the
# blind index used for look-ups and uniqueness. Kept outside the database and the repository.
FIELD_ENCRYPTION_KEYS = env_list("RONGHE_FIELD_KEYS")
BLIND_INDEX_KEY = env_str("RONGHE_INDEX_KEY")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "treebeard",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "ninja",
    "ronghe.core",
    "ronghe.accounts",
    "ronghe.orgs",
    "ronghe.people",
    "ronghe.notify",
    "ronghe.orglife",
    "ronghe.compliance",
    "ronghe.plans",
    "ronghe.decisions",
    "ronghe.insights",
    "ronghe.demo",
    "ronghe.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "ronghe.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "ronghe.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "ronghe.accounts.middleware.SessionPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "ronghe.urls"
WSGI_APPLICATION = "ronghe.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ronghe.core.context_processors.shell",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL (production, CI) through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'ronghe.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("RONGHE_DB_CONN_MAX_AGE", 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"]["OPTIONS"] = {
        # Bounded waits (SECURITY.md J-6): no request holds a lock or a transaction forever.
        "options": "-c statement_timeout=30000 -c lock_timeout=5000"
        " -c idle_in_transaction_session_timeout=60000",
    }
else:
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- jobs: Huey -------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "ronghe",
        "url": REDIS_URL,
        "immediate": TESTING,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "ronghe",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": TESTING,
    }

# --- accounts and security (SECURITY.md groups A and B) ---------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "insights:today"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
PASSWORD_MIN_LENGTH = env_int("RONGHE_PASSWORD_MIN_LENGTH", 8)
PASSWORD_MIN_CLASSES = env_int("RONGHE_PASSWORD_MIN_CLASSES", 3)
PASSWORD_HISTORY = env_int("RONGHE_PASSWORD_HISTORY", 5)
PASSWORD_MAX_AGE = timedelta(days=env_int("RONGHE_PASSWORD_MAX_AGE_DAYS", 90))
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": PASSWORD_MIN_LENGTH},
    },
    {"NAME": "ronghe.accounts.passwords.MaximumLengthValidator"},
    {
        "NAME": "ronghe.accounts.passwords.CharacterClassValidator",
        "OPTIONS": {"min_classes": PASSWORD_MIN_CLASSES},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ["username", "display_name"]},
    },
    {"NAME": "ronghe.accounts.passwords.ContainsUsernameValidator"},
    {"NAME": "ronghe.accounts.passwords.HistoryValidator"},
]
ACCOUNT_DORMANT_AFTER = timedelta(days=env_int("RONGHE_DORMANT_DAYS", 90))
LOCKOUT_THRESHOLD = env_int("RONGHE_LOCKOUT_THRESHOLD", 5)
LOCKOUT_DURATION = timedelta(minutes=env_int("RONGHE_LOCKOUT_MINUTES", 30))
SESSION_IDLE_TIMEOUT = timedelta(minutes=env_int("RONGHE_SESSION_IDLE_MINUTES", 30))
SESSION_ABSOLUTE_LIFETIME = timedelta(hours=env_int("RONGHE_SESSION_MAX_HOURS", 12))
SESSION_COOKIE_AGE = int(SESSION_IDLE_TIMEOUT.total_seconds())
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
OTP_TOTP_ISSUER = "Ronghe 融合"
OTP_LOGIN_STEP = timedelta(minutes=5)  # how long a password-checked login waits for its code

# --- HTTP security headers (SECURITY.md I-1, I-2) ---------------------------------------------
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("RONGHE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Addresses of the organisation's own reverse proxies: only from them is X-Forwarded-For
# believed, for the client address in the audit trail.
TRUSTED_PROXIES = env_list("RONGHE_TRUSTED_PROXIES", [])
if env_bool("RONGHE_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],  # Tabler and Tom Select set inline styles
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Bodies and uploads (SECURITY.md I-5).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_PERMISSIONS = 0o600

# --- data exchange (issue 3) ------------------------------------------------------------------
# Uploaded rosters through the page and the API (the console has its own, larger limits).
RONGHE_IMPORT_MAX_BYTES = env_int("RONGHE_IMPORT_MAX_BYTES", 10 * 1024 * 1024)
RONGHE_IMPORT_MAX_ROWS = env_int("RONGHE_IMPORT_MAX_ROWS", 20_000)
RONGHE_IMPORT_MAX_UNCOMPRESSED = env_int("RONGHE_IMPORT_MAX_UNCOMPRESSED", 50 * 1024 * 1024)
# Files above this size (about 2,000 rows) are checked and written by a background job.
RONGHE_IMPORT_INLINE_BYTES = env_int("RONGHE_IMPORT_INLINE_BYTES", 256 * 1024)
# Exports of personal data above this many rows need a second person's approval (G-3).
RONGHE_EXPORT_APPROVAL_ROWS = env_int("RONGHE_EXPORT_APPROVAL_ROWS", 50)
# Uploaded files, error reports and generated exports: private, never web-served (F-2).
RONGHE_PRIVATE_DIR = Path(env_str("RONGHE_PRIVATE_DIR", str(VAR_DIR / "private")))
RONGHE_TEMP_FILE_HOURS = env_int("RONGHE_TEMP_FILE_HOURS", 24)
# Meeting photos and scans (JPEG, PNG, PDF): size of one file, files per meeting.
RONGHE_ATTACHMENT_MAX_BYTES = env_int("RONGHE_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024)
RONGHE_ATTACHMENTS_PER_MEETING = env_int("RONGHE_ATTACHMENTS_PER_MEETING", 30)
# Invitees are reminded this many hours before a meeting (the hourly job).
RONGHE_MEETING_REMINDER_HOURS = env_int("RONGHE_MEETING_REMINDER_HOURS", 24)
RONGHE_EXPORT_FILE_HOURS = env_int("RONGHE_EXPORT_FILE_HOURS", 2)
# API tokens: requests per minute per token (SECURITY.md H-3).
RONGHE_API_RATE_PER_MINUTE = env_int("RONGHE_API_RATE_PER_MINUTE", 120)

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if TESTING or DEBUG:
    # Tests and debug runs serve straight from the app folders, no collectstatic needed.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    WHITENOISE_USE_FINDERS = True
    WHITENOISE_AUTOREFRESH = True

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "ronghe.core.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("RONGHE_LOG_LEVEL", "INFO")},
}
OTP_TOTP_THROTTLE_FACTOR = 0  # our own lockout counts wrong codes (5 → 30 minutes)
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200  # SECURITY.md H-3: a cap on records per request
# The cursor keeps its place among rows sharing its first ordering value (findings of one
# period share a deadline) by an offset, which ninja caps at 100: beyond that, page 2 failed.
NINJA_PAGINATION_MAX_OFFSET = 1_000_000
