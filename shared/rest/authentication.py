"""Bearer-token authentication that does not lock a stale token out of public endpoints.

A shopper whose access token expired while browsing would otherwise get 401 on the product list
until the app refreshes it. On a view whose every permission is AllowAny the request is served as
anonymous instead; everywhere else an invalid token is still 401 not_authenticated. A public
view whose answer depends on who is asking (the cart: a guest cart is not the user's) sets
`stale_token_as_anonymous = False` and documents the 401.
"""

from __future__ import annotations

from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken


def _is_public(request) -> bool:
    view = (getattr(request, "parser_context", None) or {}).get("view")
    if view is None or not getattr(view, "stale_token_as_anonymous", True):
        return False
    permissions = view.get_permissions()
    return bool(permissions) and all(isinstance(p, AllowAny) for p in permissions)


class JWTAuthentication(authentication.JWTAuthentication):
    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except (InvalidToken, AuthenticationFailed):
            if _is_public(request):
                return None
            raise
