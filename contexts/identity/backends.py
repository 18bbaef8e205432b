"""Log in with either the email address or the mobile number."""

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from contexts.identity import services
from shared.errors import AppError, NotAuthenticated


def client_ip(request) -> str | None:
    """The client address for per-IP sign-in limits.

    Without NUM_PROXIES, DRF would trust the whole X-Forwarded-For header, which the client
    writes itself; so only a configured proxy count makes forwarded addresses count.
    """
    if request is None:
        return None
    if api_settings.NUM_PROXIES is None:
        return request.META.get("REMOTE_ADDR")
    return BaseThrottle().get_ident(request)


class EmailOrMobileBackend(ModelBackend):
    """Every Django sign-in (the admin's included) goes through
    services.login_credentials_check, so it obeys the same lockout as the API login and
    counts its failures on the same counters."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = username or kwargs.get("email") or kwargs.get("mobile") or ""
        if not identifier.strip() or password is None:
            return None
        try:
            user = services.login_credentials_check(
                identifier=identifier, password=password, ip=client_ip(request)
            )
        except NotAuthenticated:
            return None
        except AppError as exc:
            # Locked or throttled: PermissionDenied stops Django from trying other backends.
            raise PermissionDenied(exc.message) from exc
        return user if self.user_can_authenticate(user) else None
