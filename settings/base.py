"""Settings, 12-factor style: every value comes from an environment variable with a safe local
default. With nothing set the product runs on the embedded default: SQLite, local-memory cache,
Celery executed eagerly, events delivered in-process after commit, media on the local filesystem.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """The variable's value; unset or empty means the default."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# The local default key is only for development: it is in git, so anyone could sign a staff token
# with it. Outside DEBUG the settings refuse it (see the end of the JWT section).
DEVELOPMENT_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = env("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_prometheus",
    "treebeard",
    "shared.events",
    "shared.audit",
    "ecommerce",
]
# Bounded contexts: every package under contexts/ with an apps.py is installed, so a new context
# cannot be forgotten here (the import contracts are generated the same way).
CONTEXT_APPS = sorted(
    f"contexts.{p.name}" for p in (BASE_DIR / "contexts").iterdir() if (p / "apps.py").exists()
)
INSTALLED_APPS += CONTEXT_APPS

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "shared.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "ecommerce.urls"
WSGI_APPLICATION = "ecommerce.wsgi.application"
ASGI_APPLICATION = "ecommerce.asgi.application"

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
            ]
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
}
# django-prometheus wrappers of the stock backends: query counts and latencies on /metrics.
DATABASES["default"]["ENGINE"] = DATABASES["default"]["ENGINE"].replace(
    "django.db.backends.", "django_prometheus.db.backends."
)
if DATABASES["default"]["ENGINE"].endswith(".mysql"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            # Row locks + READ COMMITTED: the locking reads in inventory/outbox see fresh rows.
            "isolation_level": "read committed",
        }
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
elif DATABASES["default"]["ENGINE"].endswith(".sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's backend, reusing its redis-py client (see shared/redis_cache.py).
            "BACKEND": "shared.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "ecommerce"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = ["contexts.identity.backends.EmailOrMobileBackend"]
# Which shops a user works for (shared.auth's tenancy port): catalog owns shops and their staff.
AUTH_TENANCY = env("AUTH_TENANCY", "contexts.catalog.adapters.tenancy.CatalogTenancy")
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: after N failures for one account within the window it is locked for a while.
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 900)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 900)
# Many buyers can share one address (NAT, offices): the per-IP limit is higher than per-account.
LOGIN_MAX_FAILURES_PER_IP = env_int("LOGIN_MAX_FAILURES_PER_IP", 4 * LOGIN_MAX_FAILURES)
PASSWORD_RESET_RESEND_SECONDS = env_int("PASSWORD_RESET_RESEND_SECONDS", 60)
# Trusted reverse proxies in front of the app; X-Forwarded-For is ignored when 0.
NUM_PROXIES = env_int("NUM_PROXIES", 0)
PASSWORD_RESET_CODE_TTL_SECONDS = env_int("PASSWORD_RESET_CODE_TTL_SECONDS", 900)
PASSWORD_RESET_MAX_ATTEMPTS = env_int("PASSWORD_RESET_MAX_ATTEMPTS", 5)
# Codes issued per account in any 24 h: bounds guesses over time (codes x attempts per day).
PASSWORD_RESET_DAILY_CODES = env_int("PASSWORD_RESET_DAILY_CODES", 5)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shared.rest.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "shared.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "shared.rest.schema.ContextAutoSchema",
    "EXCEPTION_HANDLER": "shared.rest.exception_handler.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "shared.rest.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "shared.rest.parsers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_THROTTLE_CLASSES": [
        "shared.rest.throttling.AnonRateThrottle",
        "shared.rest.throttling.UserRateThrottle",
    ],
    # 0: X-Forwarded-For is ignored (the client writes it); N: trust N proxies in front.
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("THROTTLE_ANON", "120/min"),
        "user": env("THROTTLE_USER", "600/min"),
        "login": env("THROTTLE_LOGIN", "20/min"),
        "register": env("THROTTLE_REGISTER", "10/min"),
        "password_reset": env("THROTTLE_PASSWORD_RESET", "5/min"),
        # Coupon claims and code redemptions: per signed-in user and per client IP.
        "coupon_claim": env("THROTTLE_COUPON_CLAIM", "30/min"),
        "coupon_claim_ip": env("THROTTLE_COUPON_CLAIM_IP", "120/min"),
        "coupon_redeem": env("THROTTLE_COUPON_REDEEM", "10/min"),
        "coupon_redeem_ip": env("THROTTLE_COUPON_REDEEM_IP", "30/min"),
        "flashsale_purchase_user": env("THROTTLE_FLASHSALE_USER", "20/min"),
        "flashsale_purchase_ip": env("THROTTLE_FLASHSALE_IP", "300/min"),
        # Storefront view signals: per buyer (guests per IP) and per client IP.
        "recommendation_signal": env("THROTTLE_RECOMMENDATION_SIGNAL", "60/min"),
        "recommendation_signal_ip": env("THROTTLE_RECOMMENDATION_SIGNAL_IP", "300/min"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "SIGNING_KEY": env("JWT_SIGNING_KEY", SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# Placeholders shipped in git (docker-compose.yml, deploy/k8s) count as unset too.
PLACEHOLDER_KEY_MARKERS = ("change-me", "replace_me", "replace-me")
if not DEBUG and any(
    key == DEVELOPMENT_SECRET_KEY
    or any(marker in key.lower() for marker in PLACEHOLDER_KEY_MARKERS)
    for key in (SECRET_KEY, SIMPLE_JWT["SIGNING_KEY"])
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DEBUG is off but SECRET_KEY or JWT_SIGNING_KEY is unset, the development default or a "
        "placeholder that is in git: set both SECRET_KEY and JWT_SIGNING_KEY to secret values "
        "(or DEBUG=true for local development)."
    )

SPECTACULAR_SETTINGS = {
    "TITLE": "E-commerce platform API",
    "DESCRIPTION": "Storefront under /api/v1/, staff endpoints under /api/v1/admin/. "
    'Every error is {"error": {"code", "message", "details"}}.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the pinned sidecar package through staticfiles, not a CDN: the docs
    # work offline and the UI version changes only with pyproject.toml.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shared.rest.schema.document_page_not_found",
        "shared.rest.schema.tags_storefront_first",
    ],
    "ENUM_NAME_OVERRIDES": {
        "MerchantStatusEnum": "contexts.catalog.models.Merchant.Status",
        "ProductStatusEnum": "contexts.catalog.models.Spu.Status",
        "SkuStatusEnum": "contexts.catalog.models.Sku.Status",
        "OrderStatusEnum": "contexts.ordering.models.STATUS_CHOICES",
        "TradeStatusEnum": "contexts.ordering.domain.states.TradeStatus",
        "PaymentStateEnum": "contexts.payments.models.PAYMENT_STATES",
        "RefundStateEnum": "contexts.payments.models.REFUND_STATES",
        "ShipmentStatusEnum": "contexts.logistics.models.Shipment.Status",
        "PointsEntryKindEnum": "contexts.loyalty.models.EntryKind",
        "CouponStatusEnum": "contexts.coupons.models.Coupon.Status",
        "CouponTemplateStatusEnum": "contexts.coupons.models.CouponTemplate.Status",
        "CouponKindEnum": "contexts.coupons.models.CouponTemplate.Kind",
        "CodeBatchStatusEnum": "contexts.coupons.models.CodeBatch.Status",
        "FlashSessionStatusEnum": "contexts.flashsale.models.SESSION_STATUS_CHOICES",
        "FlashItemStatusEnum": "contexts.flashsale.models.ITEM_STATUS_CHOICES",
        "FlashPurchaseStatusEnum": "contexts.flashsale.models.PURCHASE_STATUS_CHOICES",
        "GroupBuyActivityStatusEnum": "contexts.groupbuy.models.ACTIVITY_STATUS_CHOICES",
        "GroupBuyGroupStatusEnum": "contexts.groupbuy.models.GROUP_STATUS_CHOICES",
        "MembershipStateEnum": "contexts.subscription.rest.serializers.STATES",
        "SubscriptionInvoiceStateEnum": "contexts.subscription.models.Invoice.State",
        "SubscriptionInvoiceKindEnum": "contexts.subscription.models.Invoice.Kind",
        "PaymentAgreementStateEnum": "contexts.payments.models.PaymentAgreement.State",
        "AftersalesKindEnum": "contexts.aftersales.models.KIND_CHOICES",
        "AftersalesStatusEnum": "contexts.aftersales.models.STATUS_CHOICES",
        "AftersalesReasonEnum": "contexts.aftersales.models.REASON_CHOICES",
        "AftersalesTicketStatusEnum": "contexts.aftersales.models.TICKET_STATUS_CHOICES",
    },
}

# --- Celery and the event bus ---------------------------------------------------------------
CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://localhost/"
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # kombu's Redis transport reusing its publishing client (see shared/celery_redis.py).
    CELERY_BROKER_TRANSPORT = "shared.celery_redis:Transport"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# django-celery-beat's database scheduler, adding missing entries of ecommerce/schedule.py on start
# without undoing staff edits (ecommerce/beat.py).
CELERY_BEAT_SCHEDULER = "ecommerce.beat:EditableDatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Messages to people (reset codes): a dotted path to an identity Notifier adapter.
IDENTITY_NOTIFIER = env("IDENTITY_NOTIFIER", "contexts.identity.adapters.mail.DjangoMailNotifier")
# The risk port (shared/risk.py), asked before coupon claims, code redemptions, flash-sale
# purchases; allows everything until the risk context provides an adapter.
RISK_CHECKER = env("RISK_CHECKER", "shared.risk.AllowEverything")
KAFKA_BOOTSTRAP_SERVERS = env("KAFKA_BOOTSTRAP_SERVERS")
# How long the relay waits for broker metadata before treating Kafka as down for this pass.
KAFKA_MAX_BLOCK_MS = env_int("KAFKA_MAX_BLOCK_MS", 5_000)
KAFKA_SEND_TIMEOUT_SECONDS = env_int("KAFKA_SEND_TIMEOUT_SECONDS", 5)
# The external copy of committed events (a dotted path to an EventPublisher; empty: none).
EVENTS_PUBLISHER = env(
    "EVENTS_PUBLISHER",
    "shared.events.adapters.kafka.KafkaEventPublisher" if KAFKA_BOOTSTRAP_SERVERS else "",
)
# Events: how many rows one relay pass claims, attempts before dead-lettering, backoff base.
EVENTS_RELAY_BATCH_SIZE = env_int("EVENTS_RELAY_BATCH_SIZE", 100)
EVENTS_MAX_ATTEMPTS = env_int("EVENTS_MAX_ATTEMPTS", 8)
EVENTS_BACKOFF_SECONDS = env_int("EVENTS_BACKOFF_SECONDS", 5)
# Delivered events (outbox rows, deliveries, inbox records) are deleted after this many days.
EVENTS_RETENTION_DAYS = env_int("EVENTS_RETENTION_DAYS", 7)
# Trigger a relay pass right after each commit that published events (beat is the safety net).
EVENTS_RELAY_ON_COMMIT = env_bool("EVENTS_RELAY_ON_COMMIT", True)

# --- Other stores (ports with embedded defaults; adapters arrive with their contexts) --------
MONGO_URL = env("MONGO_URL")
# The catalog's document store (contexts/catalog/ports.py): MongoDB when MONGO_URL is set.
CATALOG_DOCUMENT_STORE = env(
    "CATALOG_DOCUMENT_STORE",
    "contexts.catalog.adapters.mongo.MongoDocumentStore"
    if MONGO_URL
    else "contexts.catalog.adapters.relational.RelationalDocumentStore",
)
ELASTICSEARCH_URL = env("ELASTICSEARCH_URL")
# The search index (contexts/search/ports.py): Elasticsearch when ELASTICSEARCH_URL is set, else
# the embedded full-text index in the database (SQLite FTS5 / MariaDB FULLTEXT).
SEARCH_INDEX = env(
    "SEARCH_INDEX",
    "contexts.search.adapters.elastic.ElasticsearchSearchIndex"
    if ELASTICSEARCH_URL
    else "contexts.search.adapters.embedded.EmbeddedSearchIndex",
)
# The storefront listing (GET /api/v1/products) is read from the search index where it answers
# the query exactly (contexts/catalog/selectors.py: storefront_listing); off: the catalog's SQL.
SEARCH_SERVES_LISTING = env_bool("SEARCH_SERVES_LISTING", True)
# Names of the Elasticsearch aliases are "<prefix>products" and "<prefix>orders".
SEARCH_INDEX_PREFIX = env("SEARCH_INDEX_PREFIX", "ecommerce-")
NEO4J_URL = env("NEO4J_URL")
NEO4J_USER = env("NEO4J_USER", "")
NEO4J_PASSWORD = env("NEO4J_PASSWORD", "")
NEO4J_DATABASE = env("NEO4J_DATABASE", "")
# Recommendation's graph (contexts/recommendation/ports.py): Neo4j when NEO4J_URL is set, else
# link tables in the database. Its trending scores: Redis sorted sets when REDIS_URL is set, else
# a table.
RECOMMENDATION_GRAPH = env(
    "RECOMMENDATION_GRAPH",
    "contexts.recommendation.adapters.neo4j.Neo4jGraph"
    if NEO4J_URL
    else "contexts.recommendation.adapters.sql.SqlGraph",
)
RECOMMENDATION_TRENDING = env(
    "RECOMMENDATION_TRENDING",
    "contexts.recommendation.adapters.redis_trending.RedisTrendingStore"
    if REDIS_URL
    else "contexts.recommendation.adapters.sql.SqlTrendingStore",
)
RECOMMENDATION_REDIS_URL = env("RECOMMENDATION_REDIS_URL", REDIS_URL)
RECOMMENDATION_REDIS_PREFIX = env("RECOMMENDATION_REDIS_PREFIX", "rec:")
# Members kept per trending set; half-life of a signal's weight in trending.
RECOMMENDATION_TRENDING_KEEP = env_int("RECOMMENDATION_TRENDING_KEEP", 1000)
RECOMMENDATION_TRENDING_HALF_LIFE_HOURS = env_int("RECOMMENDATION_TRENDING_HALF_LIFE_HOURS", 24)
# Products per list (product page, cart, feed); a buyer's feed is cached this long.
RECOMMENDATION_LIST_SIZE = env_int("RECOMMENDATION_LIST_SIZE", 10)
RECOMMENDATION_FEED_CACHE_SECONDS = env_int("RECOMMENDATION_FEED_CACHE_SECONDS", 300)
CLICKHOUSE_URL = env("CLICKHOUSE_URL")

# --- Media ----------------------------------------------------------------------------------
S3_ENDPOINT_URL = env("S3_ENDPOINT_URL")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATIC_URL = "/static/"
if S3_ENDPOINT_URL:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "endpoint_url": S3_ENDPOINT_URL,
                "bucket_name": env("S3_BUCKET", "ecommerce-media"),
                "access_key": env("S3_ACCESS_KEY_ID"),
                "secret_key": env("S3_SECRET_ACCESS_KEY"),
                "region_name": env("S3_REGION", "us-east-1"),
                "default_acl": None,
                "querystring_auth": True,
            },
        },
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }
else:
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    }

# --- Email (password reset codes, notifications): console by default ------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "shop@example.com")

# Routes the bare DRF baseline endpoint used by tests/perf/bench.py.
BENCHMARK_ENDPOINTS = env_bool("BENCHMARK_ENDPOINTS", False)

# --- i18n / time ----------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

DEFAULT_CURRENCY = env("DEFAULT_CURRENCY", "CNY")

# --- Catalog, inventory, cart, ordering -----------------------------------------------------
# Storefront listings reuse the total count of an identical query for this long (0: always count).
LIST_COUNT_CACHE_SECONDS = env_int("LIST_COUNT_CACHE_SECONDS", 30)
# Rendered storefront reads (product lists, product pages, keyword search; shared/read_cache.py):
# invalidated by the writes' version bumps; the lifetime only bounds staleness after a cache
# outage (bumps lost) and the memory of superseded entries. 0 turns the cache off.
STOREFRONT_CACHE_SECONDS = env_int("STOREFRONT_CACHE_SECONDS", 120)
MEDIA_MAX_UPLOAD_BYTES = env_int("MEDIA_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
INVENTORY_RESERVATION_TTL_SECONDS = env_int("INVENTORY_RESERVATION_TTL_SECONDS", 35 * 60)
INVENTORY_AVAILABILITY_CACHE_SECONDS = env_int("INVENTORY_AVAILABILITY_CACHE_SECONDS", 60)
CART_MAX_LINES = env_int("CART_MAX_LINES", 100)
CART_MAX_QUANTITY = env_int("CART_MAX_QUANTITY", 999)
CART_GUEST_TTL_SECONDS = env_int("CART_GUEST_TTL_SECONDS", 30 * 24 * 3600)
ORDER_PAYMENT_TIMEOUT = env_int("ORDER_PAYMENT_TIMEOUT", 30 * 60)  # seconds
ORDER_AUTO_CONFIRM_DAYS = env_int("ORDER_AUTO_CONFIRM_DAYS", 7)
IDEMPOTENCY_KEY_TTL_SECONDS = env_int("IDEMPOTENCY_KEY_TTL_SECONDS", 24 * 3600)
# --- Payments --------------------------------------------------------------------------------
# Enabled providers (codes); each adapter's dotted path is PAYMENTS_PROVIDER_<CODE>, imported
# only when its code is enabled.
PAYMENTS_PROVIDERS = env_list("PAYMENTS_PROVIDERS") or ["sandbox"]
PAYMENTS_PROVIDER_SANDBOX = env(
    "PAYMENTS_PROVIDER_SANDBOX", "contexts.payments.adapters.sandbox.SandboxProvider"
)
PAYMENTS_PROVIDER_ALIPAY = env(
    "PAYMENTS_PROVIDER_ALIPAY", "contexts.payments.adapters.alipay.AlipayProvider"
)
PAYMENTS_PROVIDER_WECHAT = env(
    "PAYMENTS_PROVIDER_WECHAT", "contexts.payments.adapters.wechatpay.WechatPayProvider"
)
# Where providers reach our callbacks (https://shop.example.com): the notify URL is
# <base>/api/v1/payments/notify/<provider>. Empty: the sandbox calls back in-process.
PAYMENTS_NOTIFY_BASE_URL = env("PAYMENTS_NOTIFY_BASE_URL", "")
PAYMENTS_HTTP_TIMEOUT_SECONDS = env_int("PAYMENTS_HTTP_TIMEOUT_SECONDS", 10)
# One circuit breaker per provider: opens after this many failures in a row, tries again after.
PAYMENTS_BREAKER_FAIL_MAX = env_int("PAYMENTS_BREAKER_FAIL_MAX", 5)
PAYMENTS_BREAKER_RESET_SECONDS = env_int("PAYMENTS_BREAKER_RESET_SECONDS", 30)
# Reconciliation queries payments still pending (and refunds unfinished) after this long.
PAYMENTS_RECONCILE_AFTER_MINUTES = env_int("PAYMENTS_RECONCILE_AFTER_MINUTES", 10)
# Transfers left processing by the provider are queried (beat payments.poll_transfers) after this.
PAYMENTS_TRANSFER_POLL_AFTER_SECONDS = env_int("PAYMENTS_TRANSFER_POLL_AFTER_SECONDS", 120)
# The sandbox provider's app id and key pair (PEM; generated on first use when both are absent).
PAYMENTS_SANDBOX_APP_ID = env("PAYMENTS_SANDBOX_APP_ID", "sandbox-app")
PAYMENTS_SANDBOX_PRIVATE_KEY_PATH = env(
    "PAYMENTS_SANDBOX_PRIVATE_KEY_PATH", str(BASE_DIR / "var" / "payments" / "sandbox_private.pem")
)
PAYMENTS_SANDBOX_PUBLIC_KEY_PATH = env(
    "PAYMENTS_SANDBOX_PUBLIC_KEY_PATH", str(BASE_DIR / "var" / "payments" / "sandbox_public.pem")
)

# --- Coupons ---------------------------------------------------------------------------------
# A sold-out gate in Redis in front of claims (contexts/coupons/services/claim_gate.py): on
# when the cache is Redis; its per-template counters re-sync from the database after the TTL.
COUPONS_CLAIM_REDIS_GATE = env_bool("COUPONS_CLAIM_REDIS_GATE", bool(REDIS_URL))
COUPONS_CLAIM_GATE_TTL_SECONDS = env_int("COUPONS_CLAIM_GATE_TTL_SECONDS", 60)
# A used coupon goes back to its buyer when its trade is refunded in full.
COUPONS_RETURN_ON_FULL_REFUND = env_bool("COUPONS_RETURN_ON_FULL_REFUND", True)
# Guessing codes: this many failed redemptions per user (or per IP) within the window locks
# redemption for them for the lockout.
COUPONS_REDEEM_MAX_FAILURES = env_int("COUPONS_REDEEM_MAX_FAILURES", 5)
COUPONS_REDEEM_FAILURE_WINDOW_SECONDS = env_int("COUPONS_REDEEM_FAILURE_WINDOW_SECONDS", 15 * 60)
COUPONS_REDEEM_LOCKOUT_SECONDS = env_int("COUPONS_REDEEM_LOCKOUT_SECONDS", 15 * 60)

# --- Logistics: carriers (contexts/logistics/ports.py) ----------------------------------------
# Enabled carrier codes; the adapter of code X is settings.LOGISTICS_CARRIER_<X>.
LOGISTICS_CARRIERS = env_list("LOGISTICS_CARRIERS", "sandbox,sf")
LOGISTICS_CARRIER_SANDBOX = env(
    "LOGISTICS_CARRIER_SANDBOX", "contexts.logistics.adapters.sandbox.SandboxCarrier"
)
LOGISTICS_CARRIER_SF = env(
    "LOGISTICS_CARRIER_SF", "contexts.logistics.adapters.sf.SfExpressCarrier"
)
LOGISTICS_SF = {
    "partner_id": env("LOGISTICS_SF_PARTNER_ID"),
    "check_word": env("LOGISTICS_SF_CHECK_WORD"),  # secret: never logged
    "base_url": env("LOGISTICS_SF_BASE_URL", "https://sfapi-sbox.sf-express.com/std/service"),
    "monthly_card": env("LOGISTICS_SF_MONTHLY_CARD"),
    "timeout": float(env("LOGISTICS_SF_TIMEOUT_SECONDS", "5")),
    "breaker_fail_max": env_int("LOGISTICS_SF_BREAKER_FAIL_MAX", 5),
    "breaker_reset_seconds": env_int("LOGISTICS_SF_BREAKER_RESET_SECONDS", 30),
}
# The sandbox carrier's parcels move one step (picked up, in transit, out for delivery,
# delivered) this many seconds apart.
LOGISTICS_SANDBOX_STEP_SECONDS = float(env("LOGISTICS_SANDBOX_STEP_SECONDS", "3"))
# Polling: parcels of carriers without push at most this often; parcels of push carriers once
# their last news is this old.
LOGISTICS_POLL_INTERVAL_SECONDS = env_int("LOGISTICS_POLL_INTERVAL_SECONDS", 30)
LOGISTICS_POLL_STALE_SECONDS = env_int("LOGISTICS_POLL_STALE_SECONDS", 6 * 3600)

# --- Promotions ---------------------------------------------------------------------------------
# The least a shop's goods cost after promotions (promotions never make goods free).
PROMOTIONS_MIN_PAY_AMOUNT = env("PROMOTIONS_MIN_PAY_AMOUNT", "0.01")
# --- Loyalty: points and member levels (contexts/loyalty) -------------------------------------
# Earning: points per yuan of a completed order's pay amount (times the level's multiplier,
# rounded down). Spending: this many points are worth one yuan (100: a point is a cent); at most
# LOYALTY_MAX_SHARE of what is left to pay for the items after earlier discounts; only with a
# balance of at least LOYALTY_MIN_BALANCE_TO_SPEND. Each earn expires after the valid days.
LOYALTY_EARN_POINTS_PER_YUAN = env("LOYALTY_EARN_POINTS_PER_YUAN", "1")
LOYALTY_POINTS_PER_YUAN = env_int("LOYALTY_POINTS_PER_YUAN", 100)
LOYALTY_MAX_SHARE = env("LOYALTY_MAX_SHARE", "0.5")
LOYALTY_MIN_BALANCE_TO_SPEND = env_int("LOYALTY_MIN_BALANCE_TO_SPEND", 100)
LOYALTY_POINTS_VALID_DAYS = env_int("LOYALTY_POINTS_VALID_DAYS", 365)
LOYALTY_EXPIRING_SOON_DAYS = env_int("LOYALTY_EXPIRING_SOON_DAYS", 30)

# Public numbers (orders, payments): shared/ids.py reads ID_GENERATOR_NODE (0-999) straight from
# the environment; unset, the node is derived from the host name.

# --- Logging: JSON lines with the request id ------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shared.logging.RequestIdFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.db.backends": {"level": "WARNING"},
        "kafka": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
    },
}

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEBUG and env_bool("SECURE_COOKIES", False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

# --- Group buy (contexts/groupbuy) ---------------------------------------------------------------
# A member's order is cancelled unpaid after this long (never later than the group's deadline).
GROUPBUY_PAYMENT_TIMEOUT_SECONDS = env_int("GROUPBUY_PAYMENT_TIMEOUT_SECONDS", 900)
# Groups past their deadline handled per batch by the beat job groupbuy.expire_groups.
GROUPBUY_EXPIRE_BATCH_SIZE = env_int("GROUPBUY_EXPIRE_BATCH_SIZE", 100)
# Messages to members (group completed / failed): a dotted path to a groupbuy Notifier adapter.
GROUPBUY_NOTIFIER = env("GROUPBUY_NOTIFIER", "contexts.groupbuy.adapters.mail.DjangoMailNotifier")
# --- Subscription (contexts/subscription) ---------------------------------------------------
# A past-due membership keeps its benefits this many days after its period ended while its
# renewal is retried (every SUBSCRIPTION_RETRY_HOURS, at most SUBSCRIPTION_MAX_ATTEMPTS
# charges against the agreement), then expires.
SUBSCRIPTION_GRACE_DAYS = env_int("SUBSCRIPTION_GRACE_DAYS", 7)
SUBSCRIPTION_RETRY_HOURS = env_int("SUBSCRIPTION_RETRY_HOURS", 24)
SUBSCRIPTION_MAX_ATTEMPTS = env_int("SUBSCRIPTION_MAX_ATTEMPTS", 4)
# A pending membership whose first invoice is still unpaid this long after it was made expires
# (beat subscription.expire_pending): the invoice is void and its payment closed.
SUBSCRIPTION_PENDING_EXPIRY_HOURS = env_int("SUBSCRIPTION_PENDING_EXPIRY_HOURS", 48)

# --- Flash sale (contexts/flashsale) ------------------------------------------------------------
# The stock engine (contexts/flashsale/ports.py): Redis Lua scripts when REDIS_URL is set, else
# the database's conditional updates.
FLASHSALE_STOCK_ENGINE = env(
    "FLASHSALE_STOCK_ENGINE",
    "contexts.flashsale.adapters.redis.RedisStockEngine"
    if REDIS_URL
    else "contexts.flashsale.adapters.database.DatabaseStockEngine",
)
FLASHSALE_REDIS_URL = env("FLASHSALE_REDIS_URL", REDIS_URL)
FLASHSALE_REDIS_TIMEOUT_SECONDS = float(env("FLASHSALE_REDIS_TIMEOUT_SECONDS", "2"))
FLASHSALE_REDIS_MAX_CONNECTIONS = env_int("FLASHSALE_REDIS_MAX_CONNECTIONS", 100)
# Redis keys of an item are kept this long after its session ends.
FLASHSALE_REDIS_KEY_TTL_SECONDS = env_int("FLASHSALE_REDIS_KEY_TTL_SECONDS", 24 * 3600)
# Unpaid flash sale orders are cancelled after (and their units go back to the sale).
FLASHSALE_PAYMENT_TIMEOUT_SECONDS = env_int("FLASHSALE_PAYMENT_TIMEOUT_SECONDS", 300)
# Items are loaded into the engine this long before their session starts.
FLASHSALE_LOAD_AHEAD_SECONDS = env_int("FLASHSALE_LOAD_AHEAD_SECONDS", 600)
# Purchase tokens are issued from this long before the start; each lives this long.
FLASHSALE_TOKEN_LEAD_SECONDS = env_int("FLASHSALE_TOKEN_LEAD_SECONDS", 60)
FLASHSALE_TOKEN_TTL_SECONDS = env_int("FLASHSALE_TOKEN_TTL_SECONDS", 120)
# Reconciliation leaves tickets younger than this alone (their request may still be running).
FLASHSALE_RECONCILE_GRACE_SECONDS = env_int("FLASHSALE_RECONCILE_GRACE_SECONDS", 60)

# --- Settlement (contexts/settlement) -----------------------------------------------------------
# A completed order is settled once its after-sales window has passed.
SETTLEMENT_AFTER_SALES_WINDOW_DAYS = env_int("SETTLEMENT_AFTER_SALES_WINDOW_DAYS", 7)
# A merchant without a profile is on this statement cycle (daily, weekly or monthly).
SETTLEMENT_DEFAULT_CYCLE = env("SETTLEMENT_DEFAULT_CYCLE", "weekly")
# The pricing steps whose discounts the platform funds (paid to the merchant on top of what the
# buyer paid); every other step's discount is the merchant's (contexts/settlement/domain.py).
SETTLEMENT_PLATFORM_FUNDED_SOURCES = env_list(
    "SETTLEMENT_PLATFORM_FUNDED_SOURCES", "coupons,points"
)
# --- After-sales (contexts/aftersales) -------------------------------------------------------
# The merchant answers a request within this many days, or it is approved for them.
AFTERSALES_REVIEW_DAYS = env_int("AFTERSALES_REVIEW_DAYS", 2)
# The buyer ships an approved return within this many days, or the request is closed.
AFTERSALES_RETURN_SHIP_DAYS = env_int("AFTERSALES_RETURN_SHIP_DAYS", 7)
# A completed order takes after-sales requests for this many days.
AFTERSALES_WINDOW_DAYS = env_int("AFTERSALES_WINDOW_DAYS", 15)
# A ticket waiting for the shop or the platform is escalated after this many hours.
AFTERSALES_TICKET_SLA_HOURS = env_int("AFTERSALES_TICKET_SLA_HOURS", 24)
