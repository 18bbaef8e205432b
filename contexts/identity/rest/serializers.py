"""Input and output shapes of identity's endpoints. Types and lengths only: the rules live in
services and domain."""

from __future__ import annotations

from rest_framework import serializers

from contexts.identity.models import User
from shared.rest.serializers import Input

_PASSWORD = {
    "max_length": 128,
    "trim_whitespace": False,
    "write_only": True,
    "style": {"input_type": "password"},
}


# --- Auth -----------------------------------------------------------------------------------


class RegisterIn(Input):
    email = serializers.EmailField(
        required=False, allow_null=True, allow_blank=True, max_length=254
    )
    mobile = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=20)
    password = serializers.CharField(**_PASSWORD)


class LoginIn(Input):
    identifier = serializers.CharField(max_length=254, help_text="Email or mobile number.")
    password = serializers.CharField(**_PASSWORD)


class TokenPairOut(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()


class RefreshIn(Input):
    refresh = serializers.CharField()


class LogoutIn(Input):
    refresh = serializers.CharField(help_text="The refresh token of the session to end.")


class PasswordChangeIn(Input):
    old_password = serializers.CharField(**_PASSWORD)
    new_password = serializers.CharField(**_PASSWORD)
    refresh = serializers.CharField(
        help_text="This session's refresh token: it is rotated, every other one is revoked."
    )


class PasswordResetRequestIn(Input):
    identifier = serializers.CharField(max_length=254, help_text="Email or mobile number.")


class DetailOut(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetConfirmIn(Input):
    identifier = serializers.CharField(max_length=254)
    code = serializers.CharField(max_length=12)
    new_password = serializers.CharField(**_PASSWORD)


# --- Profile --------------------------------------------------------------------------------


class ProfileOut(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField(allow_null=True)
    mobile = serializers.CharField(allow_null=True)
    nickname = serializers.CharField()
    avatar_url = serializers.CharField()
    gender = serializers.ChoiceField(choices=User.Gender.choices)
    birthday = serializers.DateField(allow_null=True)
    date_joined = serializers.DateTimeField()


class ProfileUpdateIn(Input):
    nickname = serializers.CharField(max_length=50, allow_blank=True, required=False)
    avatar_url = serializers.URLField(max_length=500, allow_blank=True, required=False)
    gender = serializers.ChoiceField(choices=User.Gender.choices, required=False)
    birthday = serializers.DateField(allow_null=True, required=False)


# --- Addresses ------------------------------------------------------------------------------


class AddressIn(Input):
    """POST and PUT send every required field (PUT resets an omitted postal_code/tag to blank
    and leaves is_default as it is); PATCH sends any subset."""

    receiver_name = serializers.CharField(max_length=50)
    receiver_phone = serializers.CharField(max_length=20)
    province_code = serializers.CharField(max_length=12)
    city_code = serializers.CharField(max_length=12)
    district_code = serializers.CharField(max_length=12)
    detail = serializers.CharField(max_length=200)
    postal_code = serializers.CharField(max_length=10, allow_blank=True, default="")
    tag = serializers.CharField(max_length=20, allow_blank=True, default="")
    is_default = serializers.BooleanField(required=False)


class AddressOut(serializers.Serializer):
    id = serializers.IntegerField()
    receiver_name = serializers.CharField()
    receiver_phone = serializers.CharField()
    province_code = serializers.CharField()
    city_code = serializers.CharField()
    district_code = serializers.CharField()
    detail = serializers.CharField()
    postal_code = serializers.CharField()
    tag = serializers.CharField()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


# --- Staff ----------------------------------------------------------------------------------


class AdminUserOut(ProfileOut):
    is_active = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    last_login = serializers.DateTimeField(allow_null=True)


class AdminUserPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = AdminUserOut(many=True)
