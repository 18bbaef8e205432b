"""Bearer-token authentication that does not lock a stale token out of public endpoints.

A shopper whose access token expired while browsing would otherwise get 401 on the product list
until the app refreshes it. On a view whose every permission is AllowAny the request is served as
anonymous instead; everywhere else an invalid token is still 401 not_authenticated. A public
view whose answer depends on who is asking (the cart: a guest cart is not the user's) sets
`stale_token_as_anonymous = False` and documents the 401.

A view that needs only the signed-in user's id sets `user_from_token_claims = True`: the user is
then read from the token (no user row query), a closed account still refused (see get_user).
"""

from __future__ import annotations

from functools import cached_property

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.models import TokenUser
from rest_framework_simplejwt.settings import api_settings

from shared.auth import user_is_active


def _is_public(request) -> bool:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None or not getattr(view, "stale_token_as_anonymous", True):
        return False
    permissions = view.get_permissions()
    return bool(permissions) and all(isinstance(p, AllowAny) for p in permissions)


class ClaimsUser(TokenUser):
    """The signed-in user as the access token names them, without their row: an integer `pk`,
    and nothing else known (not staff, no permissions). For views that need only "a signed-in
    buyer" and their id."""

    @cached_property
    def id(self) -> int:
        return int(self.token[api_settings.USER_ID_CLAIM])


class JWTAuthentication(authentication.JWTAuthentication):
    def authenticate(self, request):
        view = (getattr(request, "parser_context", None) or {}).get("view")
        self.claims_user = getattr(view, "user_from_token_claims", False)
        try:
            return super().authenticate(request)
        except (InvalidToken, AuthenticationFailed):
            if _is_public(request):
                return None
            raise

    def get_user(self, validated_token):
        if not self.claims_user:
            return super().get_user(validated_token)
        # A view with `user_from_token_claims = True` (a hot buyer endpoint: the flash sale
        # purchase) gets the token's claims (ClaimsUser) instead of the user row. The row read's
        # security property is kept: a deactivated or deleted account is 401, answered from a
        # briefly cached state that identity invalidates when the row changes
        # (shared.auth.user_is_active). Such a view must not need roles or staff rights.
        try:
            user_id = int(validated_token[api_settings.USER_ID_CLAIM])
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidToken("Token contained no recognizable user identification") from exc
        if not user_is_active(user_id):
            raise AuthenticationFailed("User is inactive", code="user_inactive")
        return ClaimsUser(validated_token)
