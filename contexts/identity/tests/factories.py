"""factory_boy factories for identity's models (tests only)."""

from __future__ import annotations

import factory

from contexts.identity.models import Address, User

PASSWORD = "Str0ng-Passw0rd!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    mobile = None
    password = factory.django.Password(PASSWORD)


class AddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Address

    user = factory.SubFactory(UserFactory)
    receiver_name = factory.Sequence(lambda n: f"Receiver {n}")
    receiver_phone = factory.Sequence(lambda n: f"139{n:08d}"[-11:])
    province_code = "110000"
    city_code = "110100"
    district_code = "110105"
    detail = factory.Sequence(lambda n: f"No. {n} Test Street")
    postal_code = "100020"
    tag = ""
    is_default = False
