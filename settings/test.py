"""Test settings: the base settings from the environment the test script exports, made fast."""

import os

# The suite runs with DEBUG off, as production does, so it needs keys that are not the refused
# development default.
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-any-deployment")
os.environ.setdefault("JWT_SIGNING_KEY", "test-only-jwt-signing-key-not-for-any-deployment")

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

# Argon2 is deliberately slow; the suite does not test the hasher's cost.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://localhost/"
# Throttles are exercised by their own tests with explicit rates.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "anon": "100000/min",
        "user": "100000/min",
        "login": "100000/min",
        "register": "100000/min",
        "password_reset": "100000/min",
        "coupon_claim": "100000/min",
        "coupon_claim_ip": "100000/min",
        "coupon_redeem": "100000/min",
        "coupon_redeem_ip": "100000/min",
        "flashsale_purchase_user": "100000/min",
        "flashsale_purchase_ip": "100000/min",
        "recommendation_signal": "100000/min",
        "recommendation_signal_ip": "100000/min",
    },
}
LOGGING_CONFIG = None
# The catalog's listing tests write products' dates and sales straight into its tables, which
# the search index only learns through events: they test the catalog's SQL listing; the index
# serving it is tested in contexts/search/tests/test_listing.py (which turns this on).
SEARCH_SERVES_LISTING = False
# Listings count exactly in tests (the count cache has its own test).
LIST_COUNT_CACHE_SECONDS = 0
# Rendered storefront reads are cached only in the tests that prove their invalidation (most
# tests write inside one rolled-back transaction, where the after-commit bumps never run).
STOREFRONT_CACHE_SECONDS = 0
# A pricing step registered from outside ordering, as later contexts will (its tests are in
# contexts/ordering/tests/test_pricing_steps.py). Inert unless a test grants a buyer a rebate.
INSTALLED_APPS = [*INSTALLED_APPS, "tests.pricing_step_app"]  # noqa: F405
# The sandbox provider's key pair: generated on first use outside the checkout (tests that
# check signatures make their own).
import tempfile as _tempfile  # noqa: E402

PAYMENTS_SANDBOX_PRIVATE_KEY_PATH = f"{_tempfile.gettempdir()}/ecommerce-test-sandbox/private.pem"
PAYMENTS_SANDBOX_PUBLIC_KEY_PATH = f"{_tempfile.gettempdir()}/ecommerce-test-sandbox/public.pem"
# Tests never reach SF Express: its adapter's default URL is a closed local port (the SF tests
# start their own stand-in server and pass its URL).
LOGISTICS_SF = {**LOGISTICS_SF, "base_url": "http://127.0.0.1:9/std/service", "timeout": 1}  # noqa: F405
