"""Settings for the CRM, read from the environment.

With nothing set it runs as a local development site on SQLite. With DEBUG off
it refuses to start without a real SECRET_KEY and ALLOWED_HOSTS.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


DEBUG = env_bool("DEBUG", default=True)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Django's admin, whose admin.site asks for two-factor sign-in when it is required (crm.signin.admin_site).
    "crm.signin.apps.CrmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_tables2",
    "django_filters",
    "django_htmx",
    "django_bootstrap5",
    "import_export",
    # Before django_tasks_db: crm's db_worker command (which also resumes interrupted imports) replaces its.
    "crm",
    "django_tasks_db",
    "crm.history",
    "accounts",
    "contacts",
    "opportunities",
    "invoices",
    # Notes, tasks, phone calls, appointments and emails about the records above; after them, as it links them.
    "crm.activities",
    # Duplicate rules, detection jobs and merges of the records above.
    "crm.duplicates",
    # Sign-in throttling and lockout; two-factor sign-in (authenticator apps and recovery codes).
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crm.signin",
]

MIDDLEWARE = [
    "crm.middleware.RequestLogMiddleware",
    # A lost database connection: a 503 page asking to retry (lost before the view: handler500 in crm.urls).
    "crm.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "crm.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Times in the user's own time zone (crm.preferences), kept in their session.
    "crm.preferences.UserTimeZoneMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): whether this session has shown a second factor.
    "django_otp.middleware.OTPMiddleware",
    # Before anything reads the body (the CSRF check is the first): 413 for a body over its URL's limit.
    "crm.uploads.RequestBodyLimitMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # With CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS: a System Administrator sets up two-factor sign-in first.
    "crm.signin.middleware.TwoFactorRequiredMiddleware",
    "crm.history.context.HistoryPathMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out sign-in into the lockout page (crm.signin.throttling.lockout_response).
    "axes.middleware.AxesMiddleware",
]

if not DEBUG:
    # Production serves the collected, hashed static files itself; runserver does it in development.
    security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
    MIDDLEWARE.insert(security + 1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "crm.urls"

# django-bootstrap5 renders the house forms' fields: no placeholder repeating the label, no green "valid" border
# on the fields that passed, the house "required" class (crm.record_forms.RecordFormMixin) on required ones.
BOOTSTRAP5 = {
    "set_placeholder": False,
    "server_side_validation": True,
    "field_renderers": {"default": "crm.record_forms.HouseFieldRenderer"},
}

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
                "django.template.context_processors.csp",
                "crm.context_processors.site_map",
            ],
        },
    },
]

WSGI_APPLICATION = "crm.wsgi.application"

# Persistent connections (CONN_MAX_AGE seconds, checked before reuse) in
# production; a fresh connection per request in development.
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 0 if DEBUG else 600)
# PostgreSQL cancels any statement running longer than this, so a runaway
# query cannot hold a web worker; 0 turns the limit off (migrate and
# seed_scale lift it for their own session).
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 30_000)


def database_from_url(url):
    """One DATABASES entry from a URL, with the connection options of this project."""
    database = dj_database_url.parse(url, conn_max_age=CONN_MAX_AGE, conn_health_checks=True)
    options = database.setdefault("OPTIONS", {})
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock when a transaction starts, so two
        # concurrent writers queue instead of failing with "database is locked".
        options.update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    elif database["ENGINE"] == "django.db.backends.postgresql" and DB_STATEMENT_TIMEOUT_MS > 0:
        options["options"] = f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS}"
    return database


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}

# A read replica (a streaming copy of the default database): list and
# dashboard reads go there through crm.db_router; every write and every
# other read stays on the default database. Tests mirror it onto default.
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = database_from_url(os.environ["DATABASE_REPLICA_URL"])
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["crm.db_router.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "accounts:list"
LOGOUT_REDIRECT_URL = "login"

# Argon2 first, as Django's documentation recommends; a password stored with another hasher
# listed here still signs in and is rehashed with Argon2 then.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# Sign-in throttling (django-axes): after CRM_SIGNIN_FAILURE_LIMIT failed sign-ins for one user name
# (from any address), or CRM_SIGNIN_ADDRESS_FAILURE_LIMIT from one address (for any user names), within
# CRM_SIGNIN_COOLOFF_MINUTES, that user name or address is locked for the cool-off; wrong second-step
# codes count too. A user name lock stops a password being guessed from many addresses; an address lock
# (crm.signin.throttling, higher, as a whole office shares one address) stops one address trying many
# user names. Administrators unlock a user name in the admin (Users > Unlock sign-in,
# or Access attempts). The right password does not clear earlier failures: the failures expire.
AUTHENTICATION_BACKENDS = [
    "crm.signin.backends.SignInThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
CRM_SIGNIN_FAILURE_LIMIT = env_int("CRM_SIGNIN_FAILURE_LIMIT", 5)
CRM_SIGNIN_COOLOFF_MINUTES = env_int("CRM_SIGNIN_COOLOFF_MINUTES", 15)
CRM_SIGNIN_ADDRESS_FAILURE_LIMIT = env_int("CRM_SIGNIN_ADDRESS_FAILURE_LIMIT", 50)
# How many proxies in front of the site append to X-Forwarded-For (the address failures count
# against is then that many entries from the right); 0 uses the connection's address.
CRM_TRUSTED_PROXY_COUNT = env_int("CRM_TRUSTED_PROXY_COUNT", 0)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = CRM_SIGNIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=CRM_SIGNIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes.W006 asks for ip_address among those parameters: the address is locked, by crm.signin.throttling,
# with a limit of its own (axes has one limit for all of them).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_RESET_ON_SUCCESS = False
# A try during the lockout does not move its end, so the time the lockout page names holds.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_CLIENT_IP_CALLABLE = "crm.signin.throttling.client_ip"
AXES_USERNAME_CALLABLE = "crm.signin.throttling.username_of"
AXES_LOCKOUT_CALLABLE = "crm.signin.throttling.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code"]

# Two-factor sign-in (django-otp): any user may turn it on from the profile page; with this on,
# System Administrators must, and the Django admin takes only sessions verified with a code.
CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS = env_bool("CRM_REQUIRE_TWO_FACTOR_FOR_ADMINS", default=False)
OTP_TOTP_ISSUER = os.environ.get("OTP_TOTP_ISSUER", "Sales CRM")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ro", _("Romanian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Bucharest")
USE_I18N = True
USE_TZ = True
# Off, so that ids in links and forms never become "1,234"; amounts ask for grouping themselves
# (floatformat:"2g", number_format(force_grouping=True)).
USE_THOUSAND_SEPARATOR = False
# One way of writing dates per language (crm/formats/<language>/formats.py): pages use the format names
# (SHORT_DATE_FORMAT, SHORT_DATETIME_FORMAT), never a pattern of their own.
FORMAT_MODULE_PATH = ["crm.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

# Uploaded files (import files) go through Django's storage API. The local
# folder MEDIA_ROOT by default; with several web servers set FILE_STORAGE_BACKEND
# to a shared store, e.g. "storages.backends.s3.S3Storage" (django-storages),
# and its options as JSON in FILE_STORAGE_OPTIONS.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("FILE_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("FILE_STORAGE_OPTIONS") or "{}"),
    },
    # Hashed, compressed static files served by whitenoise in production;
    # plain files in development and tests so no collectstatic is needed.
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}

# Cache and sessions: Redis when REDIS_URL is set (shared by every web
# server); otherwise the database (a table made by createcachetable, which
# `make serve` runs), so several processes on one machine share it too.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "crm"),
        }
    }
    # Sessions live in Redis only; losing Redis logs everyone out, nothing else.
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "crm_cache",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Security behind HTTPS. With DEBUG off the site is HTTPS-only unless
# HTTPS_ONLY=0 (for a local production-mode run on plain http).
HTTPS_ONLY = env_bool("HTTPS_ONLY", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000) if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
# Behind a proxy or load balancer that terminates TLS, name the header it
# sets, e.g. SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (value "https").
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (os.environ["SECURE_PROXY_SSL_HEADER"], "https")
# The load balancer's probes come over plain http.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django.middleware.csp). Scripts come only from our static files or a <script>
# carrying the request's nonce ({% csp_nonce_attr %}): no inline handlers, no javascript: links, no eval
# (htmx's allowEval is off in templates/base.html). frame-ancestors is X_FRAME_OPTIONS for current browsers.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    # No 'unsafe-inline' for styles either. The nonce is for the <style> elements Django writes with it (the
    # CSRF failure page, an admin change list without actions); htmx's indicator styles are in crm.css, and
    # Chart.js sizes its canvas through the CSSOM, which the policy allows.
    "style-src": [CSP.SELF, CSP.NONCE],
    # No data: images: nothing needs one (the two-factor QR code is an SVG from its own URL).
    "img-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Where browsers report what the policy refused (a collector such as Sentry's security endpoint); none by default.
if os.environ.get("CSP_REPORT_URI"):
    SECURE_CSP["report-uri"] = os.environ["CSP_REPORT_URI"]
# Permissions-Policy (crm.middleware.PermissionsPolicyMiddleware): browser features the CRM never uses, off
# for its pages and for anything they might embed. Each feature maps to its allowlist; empty means nobody.
# Only features Chromium knows (it logs an error for any other); security keys (publickey-credentials-*) stay on.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer", "autoplay", "browsing-topics", "camera", "display-capture",
        "encrypted-media", "geolocation", "gyroscope", "hid", "magnetometer", "microphone", "midi", "payment",
        "picture-in-picture", "screen-wake-lock", "serial", "usb", "xr-spatial-tracking",
    )
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Email: the activities sent from the CRM and the daily reminder digest, sent by the task worker.
# EMAIL_URL names the server (dj-email-url): submission://user:password@smtp.example.com:587 (STARTTLS),
# smtp://user:password@smtp.example.com:465?ssl=True (TLS), smtp://127.0.0.1:25, console:// (printed by the
# worker: the development default) or dummy:// (dropped). Unset with DEBUG off: the CRM sends no email, and
# offers none.
EMAIL_URL = os.environ.get("EMAIL_URL", "console://" if DEBUG else "")
CRM_EMAIL_ENABLED = bool(EMAIL_URL)


def mailer_from_url(url, timeout):
    """Django's MAILERS entry for an EMAIL_URL (read by dj-email-url). For none, Django's own default (SMTP on
    localhost) for whatever Django itself sends; the CRM sends nothing then (CRM_EMAIL_ENABLED)."""
    if not url:
        return {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    import dj_email_url

    parsed = dj_email_url.parse(url)
    if "EMAIL_BACKEND" not in parsed:
        raise ImproperlyConfigured(
            f"EMAIL_URL: unknown scheme {url.split('://')[0]!r}; use submission, smtp, console or dummy."
        )
    mailer = {"BACKEND": parsed["EMAIL_BACKEND"]}
    if parsed["EMAIL_BACKEND"].endswith("smtp.EmailBackend"):
        mailer["OPTIONS"] = {
            "host": parsed["EMAIL_HOST"],
            "port": parsed["EMAIL_PORT"],
            "username": parsed["EMAIL_HOST_USER"] or None,
            "password": parsed["EMAIL_HOST_PASSWORD"] or None,
            "use_tls": parsed["EMAIL_USE_TLS"],
            "use_ssl": parsed["EMAIL_USE_SSL"],
            "timeout": timeout,
        }
    return mailer


MAILERS = {"default": mailer_from_url(EMAIL_URL, env_int("EMAIL_TIMEOUT", 30))}
# The sender of every email the CRM sends; a salesperson's email goes out with their name on it and their
# address as Reply-To, so the server need not let the CRM send as every user.
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "CRM <crm@localhost>")
# The address users open the CRM at, for the links in the emails it sends.
CRM_SITE_URL = os.environ.get("CRM_SITE_URL", "http://127.0.0.1:8000")
# The daily reminder digest: when a user gets it if they have not chosen (their own time zone's), and how
# often the worker looks for digests that are due (minutes).
CRM_REMINDER_DEFAULT_TIME = os.environ.get("CRM_REMINDER_DEFAULT_TIME", "08:00")
CRM_REMINDER_INTERVAL_MINUTES = env_int("CRM_REMINDER_INTERVAL_MINUTES", 15)

# Duplicate detection (crm.duplicates): the region a phone number without a country code is read in (ISO
# 3166 code), how alike two names must be for the fuzzy rule (PostgreSQL's trigram similarity, 0 to 1), and
# for how many hours a merge can be undone.
CRM_PHONE_REGION = os.environ.get("CRM_PHONE_REGION", "RO").upper()
CRM_DUPLICATE_SIMILARITY = float(os.environ.get("CRM_DUPLICATE_SIMILARITY", "0.6"))
# The fuzzy rule's query gets at most this long (ms) in the check before a save; past it the check shows
# the exact rules' matches only.
CRM_DUPLICATE_FUZZY_MS = env_int("CRM_DUPLICATE_FUZZY_MS", 30)
CRM_MERGE_UNDO_HOURS = env_int("CRM_MERGE_UNDO_HOURS", 24)

DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
DJANGO_TABLES2_TABLE_ATTRS = {"class": "table"}

# The default currency of money fields (ISO 4217).
CRM_DEFAULT_CURRENCY = os.environ.get("CRM_DEFAULT_CURRENCY", "RON")
# The base currency (ISO 4217): the dashboard shows every amount in it, converted at the exchange rates the
# System Administrators keep (crm.models.ExchangeRate); opportunities and invoices also store their amounts in it.
CRM_BASE_CURRENCY = os.environ.get("CRM_BASE_CURRENCY", "RON")
# How many records the Recent Opportunities and Recent Invoices panels show.
CRM_RECENT_PANEL_SIZE = 5
# Generated invoice numbers (new invoices and the demo data alike): the prefix, then the sequence in at
# least this many digits, e.g. FCT-00057.
CRM_INVOICE_NUMBER_PREFIX = os.environ.get("CRM_INVOICE_NUMBER_PREFIX", "FCT-")
CRM_INVOICE_NUMBER_DIGITS = env_int("CRM_INVOICE_NUMBER_DIGITS", 5)

# Imports (crm.imports): the largest file accepted, rows and columns, the uncompressed size an .xlsx may
# declare (zip bombs), and the size above which an import runs on the task worker (`manage.py db_worker`).
CRM_IMPORT_MAX_UPLOAD_SIZE = int(os.environ.get("CRM_IMPORT_MAX_UPLOAD_SIZE", 50 * 1024 * 1024))
# Request bodies (crm.uploads): only import pages take a file, of up to CRM_IMPORT_MAX_UPLOAD_SIZE plus this
# much for the form's other fields, from users who may import; the Timeline's note box up to ten files of
# CRM_ATTACHMENT_MAX_SIZE each, from users who may add activities; any other request at most a form of
# DATA_UPLOAD_MAX_MEMORY_SIZE bytes. The proxy in front should refuse more (nginx: client_max_body_size).
CRM_UPLOAD_FORM_OVERHEAD = 64 * 1024
CRM_ATTACHMENT_MAX_SIZE = env_int("CRM_ATTACHMENT_MAX_SIZE", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FILES = 10  # a note's attachments (crm.activities.attachments.MAX_ATTACHMENTS)
FILE_UPLOAD_HANDLERS = [
    "crm.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]
CRM_IMPORT_MAX_ROWS = int(os.environ.get("CRM_IMPORT_MAX_ROWS", 1_000_000))
CRM_IMPORT_MAX_COLUMNS = int(os.environ.get("CRM_IMPORT_MAX_COLUMNS", 200))
# A million rows of ten columns unpack to about 540 MB of sheet XML (1,240 bytes a row for all 22 of the
# account import's columns, as openpyxl writes them); more is not a spreadsheet people import.
CRM_IMPORT_MAX_UNCOMPRESSED_SIZE = env_int("CRM_IMPORT_MAX_UNCOMPRESSED_SIZE", 600 * 1048576)
CRM_IMPORT_MAX_ARCHIVE_ENTRIES = env_int("CRM_IMPORT_MAX_ARCHIVE_ENTRIES", 1000)
# Files run on the task worker above this size (a workbook's unpacked size counts) or when their header
# could not be read within CRM_IMPORT_CHECK_SECONDS during the upload.
CRM_IMPORT_BACKGROUND_THRESHOLD = int(os.environ.get("CRM_IMPORT_BACKGROUND_THRESHOLD", 512 * 1024))
# Workbooks, XML and vCards are parsed by a child process (crm.imports.sandbox) limited to this much address
# space and CPU time; past either the child is killed and the file refused as too large to read safely.
CRM_IMPORT_READER_MEMORY = env_int("CRM_IMPORT_READER_MEMORY", 1024 * 1048576)
CRM_IMPORT_READER_SECONDS = env_int("CRM_IMPORT_READER_SECONDS", 600)
# The upload page's wait for the header, and the CPU time of the admin's preview (below gunicorn's timeout).
CRM_IMPORT_CHECK_SECONDS = float(os.environ.get("CRM_IMPORT_CHECK_SECONDS", 1.0))
CRM_IMPORT_WEB_READ_SECONDS = env_int("CRM_IMPORT_WEB_READ_SECONDS", 30)
# A running import that has not reported progress (its heartbeat) for this many seconds has lost its worker:
# the task workers, which check every CRM_TASK_RECOVERY_INTERVAL seconds, queue it to resume from its last
# committed batch, at most CRM_IMPORT_MAX_RESUMES times (then it fails with the reason).
CRM_IMPORT_STALE_AFTER = int(os.environ.get("CRM_IMPORT_STALE_AFTER", 60))
CRM_IMPORT_MAX_RESUMES = int(os.environ.get("CRM_IMPORT_MAX_RESUMES", 3))
CRM_TASK_RECOVERY_INTERVAL = float(os.environ.get("CRM_TASK_RECOVERY_INTERVAL", 30))
# On PostgreSQL a second connection writes each batch while the next is planned (crm.imports.engine.BatchWriter).
CRM_IMPORT_WRITE_AHEAD = os.environ.get("CRM_IMPORT_WRITE_AHEAD", "1") != "0"
# Exports (crm.exports): a list with more rows than this is exported by the task worker, not during the request.
CRM_EXPORT_BACKGROUND_THRESHOLD = int(os.environ.get("CRM_EXPORT_BACKGROUND_THRESHOLD", 20_000))
# A running export that has not reported progress (its heartbeat) for this many seconds has lost its worker: the
# task workers fail it (and its task row), and asking for the same export again starts a new one.
CRM_EXPORT_STALE_AFTER = int(os.environ.get("CRM_EXPORT_STALE_AFTER", 60))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # One key=value line per request from crm.middleware.RequestLogMiddleware.
        "crm.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "INFO")},
        # Failed sign-ins and lockouts, with the user name and address (crm.signin.throttling); django-axes'
        # own lines mask both and say "BEGIN" at every start and "Successful login" at every sign-in.
        "crm.signin": {"level": "INFO"},
        "axes": {"level": os.environ.get("AXES_LOG_LEVEL", "WARNING")},
    },
}
