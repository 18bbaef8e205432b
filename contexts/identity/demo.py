"""Demo accounts for local development and the project-wide demo command."""

from __future__ import annotations

from django.db import transaction

from contexts.identity import services
from contexts.identity.models import Address, User

DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "admin12345"
DEMO_BUYER_PASSWORD = "buyer12345"


def _demo_address(user_id: int, n: int) -> None:
    services.address_create(
        user_id=user_id,
        receiver_name=f"Buyer {n}",
        receiver_phone=f"138{n:08d}"[-11:],
        province_code="110000",
        city_code="110100",
        district_code="110105",
        detail=f"No. {n} Demo Road, Chaoyang",
        postal_code="100020",
        tag="home",
    )


def demo_users_create(count: int) -> list[int]:
    """Create the demo admin (admin@example.com / admin12345, superuser) and `count` buyers
    (buyer{n}@example.com / buyer12345, n = 1..count), each with one default address.

    Idempotent: existing accounts are kept as they are (a buyer without any address gets one).
    Returns the buyers' ids in order of n (the admin's id is not included).
    The fixed demo passwords skip the password-strength validators on purpose.
    """
    if not User.objects.filter(email=DEMO_ADMIN_EMAIL).exists():
        services.user_create(
            email=DEMO_ADMIN_EMAIL,
            password=DEMO_ADMIN_PASSWORD,
            is_staff=True,
            is_superuser=True,
            check_password_strength=False,
        )
    buyer_ids = []
    for n in range(1, count + 1):
        with transaction.atomic():
            email = f"buyer{n}@example.com"
            user = User.objects.filter(email=email).first()
            if user is None:
                user = services.user_create(
                    email=email, password=DEMO_BUYER_PASSWORD, check_password_strength=False
                )
            if not Address.objects.filter(user_id=user.pk).exists():
                _demo_address(user.pk, n)
            buyer_ids.append(user.pk)
    return buyer_ids


DEMO_MERCHANT_PASSWORD = "merchant12345"


def demo_merchant_users_create(count: int) -> list[int]:
    """Create `count` shop owners (merchant{n}@example.com / merchant12345), idempotently.

    Returns their ids in order of n; the catalog's demo makes each the owner of one shop.
    """
    owner_ids = []
    for n in range(1, count + 1):
        email = f"merchant{n}@example.com"
        user = User.objects.filter(email=email).first()
        if user is None:
            with transaction.atomic():
                user = services.user_create(
                    email=email, password=DEMO_MERCHANT_PASSWORD, check_password_strength=False
                )
        owner_ids.append(user.pk)
    return owner_ids
