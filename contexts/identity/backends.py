"""Log in with either the email address or the mobile number."""

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q

from contexts.identity.models import User


class EmailOrMobileBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        identifier = (username or kwargs.get("email") or kwargs.get("mobile") or "").strip()
        if not identifier or password is None:
            return None
        lookup = Q(email__iexact=identifier) if "@" in identifier else Q(mobile=identifier)
        user = User.objects.filter(lookup).first()
        if user is None:
            User().set_password(password)  # same work as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
