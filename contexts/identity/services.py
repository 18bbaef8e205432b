"""Identity's commands: accounts, sign-in and sessions, passwords, profiles, addresses.

Every write runs in one transaction and raises a `shared.errors.AppError` with a stable code.
Rows that serialize a user's writes: the user row (`select_for_update`) is the lock for that
user's sessions, password, reset codes and address book, so concurrent requests of one user
queue up instead of breaking a rule, while different users never wait for each other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import secrets
import time
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from contexts.identity import domain
from contexts.identity.events import AccountAnonymised, UserRegistered
from contexts.identity.models import Address, PasswordResetCode, User
from contexts.identity.ports import Notifier
from shared.audit.services import audit_snapshots_erase
from shared.cache import cache_or_default, cache_required
from shared.errors import (
    AppError,
    BusinessRuleViolation,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    Throttled,
    ValidationFailed,
)
from shared.events import publish
from shared.ports import adapter

logger = logging.getLogger(__name__)


class AccountLocked(AppError):
    status_code = 423
    default_code = "account_locked"
    default_message = "Too many failed sign-in attempts: the account is locked for a while."


@dataclasses.dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


def _invalid(errors: dict[str, list[str]]) -> ValidationFailed:
    """The same envelope DRF validation errors get: details.fields = {field: [messages]}."""
    first = next(iter(errors.values()))[0]
    return ValidationFailed(f"The request is invalid: {first}", details={"fields": errors})


def _user_lock(user_id: int) -> User:
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None:
        raise NotFound("User not found.")
    return user


def _user_by_identifier(identifier: domain.Identifier, *, active_only: bool = True) -> User | None:
    # An equality match on the canonical value, not `iexact` (LIKE): stored identifiers are
    # canonical already, and the column's collation is what its unique index uses, so the
    # spellings this matches are exactly the ones that can only ever mean this one account.
    users = User.objects.filter(**{identifier.kind: identifier.value})
    if active_only:
        users = users.filter(is_active=True)
    return users.first()


def _tokens_issue(user: User) -> TokenPair:
    refresh = RefreshToken.for_user(user)  # also records it as an OutstandingToken
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _sessions_revoke_all(user_id: int) -> int:
    """Blacklist every live refresh token of the user. Returns how many were revoked."""
    live = list(
        OutstandingToken.objects.filter(
            user_id=user_id, blacklistedtoken__isnull=True, expires_at__gt=timezone.now()
        )
    )
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(live)


# --- Accounts -------------------------------------------------------------------------------

EMAIL_MAX_LENGTH = User._meta.get_field("email").max_length  # 254, RFC 5321


@transaction.atomic
def user_create(
    *,
    email: str | None = None,
    mobile: str | None = None,
    password: str,
    is_staff: bool = False,
    is_superuser: bool = False,
    check_password_strength: bool = True,
) -> User:
    """Create an account identified by an email, a mobile number, or both, and publish
    UserRegistered in the same transaction.

    Rules: at least one identifier; a valid email (stored lower-cased) and mobile (stored in
    canonical form, see domain.normalize_mobile); neither already taken (409 email_taken /
    mobile_taken); the password passes AUTH_PASSWORD_VALIDATORS unless the caller is trusted
    tooling (check_password_strength=False, used by demo data with fixed passwords).
    """
    errors: dict[str, list[str]] = {}
    email = domain.normalize_email(email) if email else None
    if email:
        try:
            validate_email(email)
        except DjangoValidationError as exc:
            errors["email"] = exc.messages
        # Django's validator allows 320 characters; the column holds 254.
        if len(email) > EMAIL_MAX_LENGTH:
            errors["email"] = [f"Ensure this field has no more than {EMAIL_MAX_LENGTH} characters."]
    if mobile:
        try:
            mobile = domain.normalize_mobile(mobile)
        except domain.RuleViolation as exc:
            errors.update(exc.errors)
    else:
        mobile = None
    if not email and not mobile and not errors:
        errors["non_field_errors"] = ["Give an email address or a mobile number."]
    user = User(email=email, mobile=mobile, is_staff=is_staff, is_superuser=is_superuser)
    if check_password_strength:
        try:
            validate_password(password, user=user)
        except DjangoValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise _invalid(errors)
    _identifiers_available(email=email, mobile=mobile)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # A concurrent registration took the identifier between our check and the insert.
        _identifiers_available(email=email, mobile=mobile)
        raise
    publish(UserRegistered(user_id=user.pk, email=user.email, mobile=user.mobile))
    return user


ANONYMISED_EMAIL = "anonymised-{user_id}@invalid.invalid"  # .invalid never delivers (RFC 2606)
# What staff may change on an account in the admin (password and deletion have their own paths).
ACCOUNT_ADMIN_FIELDS = (
    "email",
    "mobile",
    "nickname",
    "avatar_url",
    "gender",
    "birthday",
    "is_active",
    "is_staff",
    "is_superuser",
)


@transaction.atomic
def user_admin_update(*, user_id: int, data: Mapping[str, Any]) -> User:
    """Staff edit of an account: identifiers stay unique (409 email_taken / mobile_taken) and
    at least one remains; closing an account (is_active false) revokes its sessions.
    `groups` and `user_permissions`, when given, replace the account's."""
    user = _user_lock(user_id)
    changes = {name: data[name] for name in ACCOUNT_ADMIN_FIELDS if name in data}
    for name in ("email", "mobile"):
        if name in changes:
            changes[name] = changes[name] or None
    if not changes.get("email", user.email) and not changes.get("mobile", user.mobile):
        raise _invalid({"email": ["Give an email address or a mobile number."]})
    taken_email = changes.get("email") if changes.get("email") != user.email else None
    taken_mobile = changes.get("mobile") if changes.get("mobile") != user.mobile else None
    _identifiers_available(email=taken_email, mobile=taken_mobile)
    closing = changes.get("is_active") is False and user.is_active
    for name, value in changes.items():
        setattr(user, name, value)
    user.save()
    for relation in ("groups", "user_permissions"):
        if relation in data:
            getattr(user, relation).set(data[relation])
    if closing:
        _sessions_revoke_all(user.pk)
    return user


@transaction.atomic
def user_password_set(*, user_id: int, password: str | None) -> User:
    """Staff set an account's password (None: no password works any more). Every session of
    the account is revoked, so whoever held it must sign in with the new password."""
    user = _user_lock(user_id)
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    _sessions_revoke_all(user.pk)
    return user


@transaction.atomic
def user_anonymise(*, user_id: int) -> User:
    """Erase an account's personal data instead of deleting it (its orders keep referring to
    the id): email replaced by a placeholder, mobile, nickname, avatar, gender and birthday
    cleared, addresses and reset codes deleted, the field values admin audit rows kept of the
    account and its addresses dropped, password unusable, account inactive with no staff
    rights, every session revoked. Publishes identity.account.anonymised.v1 (the id only)
    once: anonymising again changes nothing."""
    user = _user_lock(user_id)
    placeholder = ANONYMISED_EMAIL.format(user_id=user.pk)
    if user.email == placeholder and not user.is_active:
        return user
    user.email, user.mobile = placeholder, None
    user.nickname, user.avatar_url = "", ""
    user.gender, user.birthday = User.Gender.UNKNOWN, None
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    address_ids = list(Address.objects.filter(user_id=user.pk).values_list("pk", flat=True))
    audit_snapshots_erase(model=Address, object_ids=address_ids)
    audit_snapshots_erase(model=User, object_ids=[user.pk])
    Address.objects.filter(user_id=user.pk).delete()
    PasswordResetCode.objects.filter(user_id=user.pk).delete()
    _sessions_revoke_all(user.pk)
    publish(AccountAnonymised(user_id=user.pk))
    return user


def _identifiers_available(*, email: str | None, mobile: str | None) -> None:
    if email and User.objects.filter(email__iexact=email).exists():
        raise Conflict(
            "An account with this email address already exists.",
            code="email_taken",
            details={"field": "email"},
        )
    if mobile and User.objects.filter(mobile=mobile).exists():
        raise Conflict(
            "An account with this mobile number already exists.",
            code="mobile_taken",
            details={"field": "mobile"},
        )


def user_register(*, email: str | None = None, mobile: str | None = None, password: str) -> User:
    """A buyer signs up with an email or a mobile number and a strong password (see
    user_create for the rules)."""
    return user_create(email=email, mobile=mobile, password=password)


PROFILE_FIELDS = ("nickname", "avatar_url", "gender", "birthday")


@transaction.atomic
def profile_update(*, user_id: int, data: Mapping[str, Any]) -> User:
    """Change the buyer's own profile fields.

    Only nickname, avatar_url, gender and birthday change here: email, mobile and password
    each have their own verified flow. A nickname is trimmed and has no control characters;
    a birthday cannot be in the future; gender is one of User.Gender.
    """
    unknown = sorted(set(data) - set(PROFILE_FIELDS))
    if unknown:
        raise _invalid({name: ["This field cannot be changed here."] for name in unknown})
    user = _user_lock(user_id)
    errors: dict[str, list[str]] = {}
    changes = dict(data)
    if "nickname" in changes:
        changes["nickname"] = (changes["nickname"] or "").strip()
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in changes["nickname"]):
            errors["nickname"] = ["Control characters are not allowed."]
    if "gender" in changes and changes["gender"] not in User.Gender.values:
        errors["gender"] = [f"Choose one of: {', '.join(User.Gender.values)}."]
    birthday = changes.get("birthday")
    if isinstance(birthday, date) and birthday > timezone.localdate():
        errors["birthday"] = ["A birthday cannot be in the future."]
    if "avatar_url" in changes:
        changes["avatar_url"] = changes["avatar_url"] or ""
    if errors:
        raise _invalid(errors)
    for name, value in changes.items():
        setattr(user, name, value)
    user.save(update_fields=list(changes))
    return user


# --- Sign-in and sessions -------------------------------------------------------------------
#
# Failed sign-ins are counted in the cache (Redis in production, so every web process sees the
# same counts). `cache.add` starts a window only when none is running and `cache.incr` is atomic,
# so concurrent failures are all counted. Counting is per account (by user id; an unknown
# identifier by its text, so a lock does not reveal whether it exists) and per client IP
# (credential stuffing spreads over many accounts); the IP limit is higher because many people
# may share one address. With the cache unreachable, sign-in answers 503 service_unavailable
# rather than checking passwords without counting failures (an unlimited guessing window).

_LOGIN_FAIL_KEY = "identity:login:fail:{scope}:{digest}"
_LOGIN_LOCK_KEY = "identity:login:lock:{scope}:{digest}"


def _login_ip_limit() -> int:
    return settings.LOGIN_MAX_FAILURES_PER_IP


def _login_key(template: str, scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:40]
    return template.format(scope=scope, digest=digest)


def _login_locked_seconds(scope: str, value: str) -> int | None:
    """Seconds left on the lock of this account or IP, or None when it is not locked."""
    until = cache_required(
        "login lockout", lambda: cache.get(_login_key(_LOGIN_LOCK_KEY, scope, value))
    )
    if until is None:
        return None
    return max(1, int(until - time.time()))


def _login_failure_record(scope: str, value: str, limit: int) -> bool:
    """Count one failure; lock when the limit is reached within the window. True if locked."""
    return cache_required("login lockout", lambda: _login_failure_count(scope, value, limit))


def _login_failure_count(scope: str, value: str, limit: int) -> bool:
    key = _login_key(_LOGIN_FAIL_KEY, scope, value)
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    cache.add(key, 0, timeout=window)
    try:
        failures = cache.incr(key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(key, 1, timeout=window)
        failures = 1
    if failures < limit:
        return False
    lockout = settings.LOGIN_LOCKOUT_SECONDS
    cache.set(_login_key(_LOGIN_LOCK_KEY, scope, value), time.time() + lockout, timeout=lockout)
    cache.delete(key)  # after the lock the count starts again from zero
    return True


def _login_failures_clear(account_key: str) -> None:
    keys = [
        _login_key(_LOGIN_FAIL_KEY, "account", account_key),
        _login_key(_LOGIN_LOCK_KEY, "account", account_key),
    ]
    # Best effort: a count that could not be cleared only expires later.
    cache_or_default("login lockout", lambda: cache.delete_many(keys), default=None)


def _login_account_key(user_id: int) -> str:
    return f"user:{user_id}"


def _login_subject(raw: str) -> tuple[User | None, str]:
    """The account an identifier resolves to (or None) and the key its failures count under.

    A known account is counted by its id, so every spelling that reaches it ("A@x.com",
    a full-width or accented variant the database collation folds onto it, "+86 138...")
    shares one counter and one lock. Only an unknown identifier is counted under its own
    canonical text (so a lock does not reveal whether an account exists).
    """
    try:
        parsed = domain.parse_identifier(raw)
    except domain.RuleViolation:
        return None, f"identifier:{(raw or '').strip()}"
    # Inactive accounts resolve too: they are counted and locked like any other.
    user = _user_by_identifier(parsed, active_only=False)
    if user is None:
        return None, f"identifier:{parsed.value}"
    return user, _login_account_key(user.pk)


def login_credentials_check(*, identifier: str, password: str, ip: str | None = None) -> User:
    """The one sign-in rule, shared by the API login and the Django admin login (through
    backends.EmailOrMobileBackend), so both count failures on the same counters.

    Rules: after LOGIN_MAX_FAILURES failures for one account within
    LOGIN_FAILURE_WINDOW_SECONDS the account is locked for LOGIN_LOCKOUT_SECONDS (423
    account_locked, even with the right password, whatever spelling of the identifier is
    used); after LOGIN_MAX_FAILURES_PER_IP failures from one IP that IP is locked likewise
    (429 too_many_login_failures). A success clears the account's count, not the IP's (else an
    attacker could reset it with their own account). Wrong credentials, unknown accounts and
    inactive accounts all get 401 invalid_credentials.

    Not transactional: the failure counts live in the cache and must survive the failed request.
    """
    user, key = _login_subject(identifier)
    if wait := _login_locked_seconds("account", key):
        raise AccountLocked(details={"retry_after_seconds": wait})
    if ip and (wait := _login_locked_seconds("ip", ip)):
        raise Throttled(
            "Too many failed sign-in attempts from your network: try again later.",
            code="too_many_login_failures",
            details={"retry_after_seconds": wait},
        )
    if user is None:
        User().set_password(password)  # same work as a real check: no timing oracle
        valid = False
    else:
        valid = user.check_password(password) and user.is_active
    if not valid:
        account_locked = _login_failure_record("account", key, settings.LOGIN_MAX_FAILURES)
        if ip:
            _login_failure_record("ip", ip, _login_ip_limit())
        if account_locked:
            raise AccountLocked(details={"retry_after_seconds": settings.LOGIN_LOCKOUT_SECONDS})
        raise NotAuthenticated(
            "The identifier or the password is wrong.", code="invalid_credentials"
        )
    _login_failures_clear(key)
    return user


def user_login(*, identifier: str, password: str, ip: str | None = None) -> TokenPair:
    """Sign in with an email or mobile number and the password; returns a JWT pair.

    Rules: those of login_credentials_check (lockout per account and per IP, 401 for any
    wrong credentials); only the token issue is transactional.
    """
    user = login_credentials_check(identifier=identifier, password=password, ip=ip)
    with transaction.atomic():
        locked = _user_lock(user.pk)
        # A password change that committed while we checked the old password wins.
        if locked.password != user.password or not locked.is_active:
            raise NotAuthenticated(
                "The identifier or the password is wrong.", code="invalid_credentials"
            )
        if jwt_settings.UPDATE_LAST_LOGIN:
            update_last_login(None, locked)
        return _tokens_issue(locked)


def _refresh_token_parse(raw: str, *, as_field: str | None = None) -> RefreshToken:
    """Decode and verify a refresh token (signature, expiry, type, blacklist).

    A bad token in a request body (as_field) is a 400 on that field; as the credential of the
    refresh endpoint it is a 401.
    """
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        if as_field:
            raise ValidationFailed(
                f"The refresh token is not valid: {exc}",
                code="token_not_valid",
                details={"fields": {as_field: [str(exc)]}},
            ) from exc
        raise NotAuthenticated(
            f"The refresh token is not valid: {exc}", code="token_not_valid"
        ) from exc


def _token_not_owned() -> PermissionDenied:
    return PermissionDenied(
        "This refresh token belongs to another account.", code="token_not_owned"
    )


def _token_user_id(token: RefreshToken) -> int | None:
    value = token.get(jwt_settings.USER_ID_CLAIM)
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@transaction.atomic
def session_refresh(*, refresh_token: str) -> TokenPair:
    """Exchange a refresh token for a new access token and, with ROTATE_REFRESH_TOKENS, a new
    refresh token; BLACKLIST_AFTER_ROTATION makes the old one unusable.

    Rule: a refresh token is spent once. simplejwt's own view checks the blacklist and then
    blacklists without a lock, so two concurrent requests with one token could both succeed;
    here the user row is locked and the blacklist re-checked under the lock, so one wins and
    the other gets 401 token_not_valid. The same lock orders refreshes after a password change.
    """
    token = _refresh_token_parse(refresh_token)
    user_id = _token_user_id(token)
    user = User.objects.select_for_update().filter(pk=user_id).first()
    if user is None or not jwt_settings.USER_AUTHENTICATION_RULE(user):
        raise NotAuthenticated("No active account for this token.", code="token_not_valid")
    try:
        token.check_blacklist()
    except TokenError as exc:
        raise NotAuthenticated(
            f"The refresh token is not valid: {exc}", code="token_not_valid"
        ) from exc
    access = str(token.access_token)
    if jwt_settings.ROTATE_REFRESH_TOKENS:
        if jwt_settings.BLACKLIST_AFTER_ROTATION:
            token.blacklist()
        token.set_jti()
        token.set_exp()
        token.set_iat()
        token.outstand()
    return TokenPair(access=access, refresh=str(token))


@transaction.atomic
def user_logout(*, user_id: int, refresh_token: str) -> None:
    """End one session by blacklisting its refresh token.

    Rule: only the caller's own token (its user id claim is the caller's), else 403
    token_not_owned: one user cannot end another's session with a token they found.
    The access token stays valid until it expires (ACCESS_TOKEN_LIFETIME, minutes).
    """
    token = _refresh_token_parse(refresh_token, as_field="refresh")
    if _token_user_id(token) != user_id:
        raise PermissionDenied(
            "This refresh token belongs to another account.", code="token_not_owned"
        )
    token.blacklist()


# --- Passwords ------------------------------------------------------------------------------


@transaction.atomic
def password_change(
    *, user_id: int, old_password: str, new_password: str, refresh_token: str
) -> TokenPair:
    """Change the password of a signed-in user and end every other session.

    Rules: the current password must be right (400 wrong_password); the new one passes the
    password validators; `refresh_token` is the caller's own live refresh token. Then every
    refresh token of the user is blacklisted, the presented one included, and a fresh pair is
    returned: the calling session continues with the new pair (its token is rotated, so a
    leaked copy of it dies too) and every other session must sign in again.
    """
    user = _user_lock(user_id)
    token = _refresh_token_parse(refresh_token, as_field="refresh")
    if _token_user_id(token) != user.pk:
        raise PermissionDenied(
            "This refresh token belongs to another account.", code="token_not_owned"
        )
    if not user.check_password(old_password):
        raise ValidationFailed(
            "The current password is wrong.",
            code="wrong_password",
            details={"fields": {"old_password": ["The current password is wrong."]}},
        )
    try:
        validate_password(new_password, user=user)
    except DjangoValidationError as exc:
        raise _invalid({"new_password": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    _sessions_revoke_all(user.pk)
    return _tokens_issue(user)


def _reset_code_hash(user_id: int, code: str) -> str:
    # Keyed with SECRET_KEY: a leaked table alone does not give the codes (only 10^6 of them).
    return salted_hmac(
        "identity.password_reset_code", f"{user_id}:{code}", algorithm="sha256"
    ).hexdigest()


def _reset_resend_seconds() -> int:
    return settings.PASSWORD_RESET_RESEND_SECONDS


def password_reset_request(*, identifier: str) -> None:
    """Send a one-time reset code to the email or mobile number of an account.

    Rules: the caller learns nothing about whether the account exists (same result, no error,
    for unknown or inactive accounts); the code has RESET_CODE_DIGITS random digits, is stored
    only as an HMAC, expires after PASSWORD_RESET_CODE_TTL_SECONDS and replaces any earlier open
    code; at most one code per PASSWORD_RESET_RESEND_SECONDS (default 60) per account, so the
    endpoint cannot flood an inbox, and at most PASSWORD_RESET_DAILY_CODES (default 5) per account
    in any 24 hours, so codes x PASSWORD_RESET_MAX_ATTEMPTS bounds the guesses per day. Beyond
    either limit the request answers the same and issues nothing. The code is sent through the
    IDENTITY_NOTIFIER port on the channel the identifier names (email or sms), once the code is
    committed (call this outside a transaction), and never appears in an event or a log line.
    """
    issued = _reset_code_issue(identifier=identifier)
    if issued is None:
        return
    channel, to, code, ttl = issued
    notifier: Notifier = adapter("IDENTITY_NOTIFIER")
    try:
        notifier.notification_send(
            channel=channel,
            to=to,
            template="password_reset_code",
            context={"code": code, "ttl_minutes": max(1, ttl // 60)},
        )
    except Exception as exc:  # the caller may ask again after the cooldown
        logger.warning("password reset code not sent: %s", type(exc).__name__)


@transaction.atomic
def _reset_code_issue(*, identifier: str) -> tuple[str, str, str, int] | None:
    try:
        parsed = domain.parse_identifier(identifier)
    except domain.RuleViolation as exc:
        raise _invalid(exc.errors) from exc
    found = _user_by_identifier(parsed)
    if found is None:
        return None
    user = _user_lock(found.pk)
    now = timezone.now()
    open_codes = PasswordResetCode.objects.filter(user=user, used_at__isnull=True)
    resend_after = now - timedelta(seconds=_reset_resend_seconds())
    if open_codes.filter(created_at__gt=resend_after).exists():
        return None
    # Counted from the rows (never deleted, only closed): durable across cache flushes, and
    # exact because the account row lock above serialises concurrent requests.
    issued_today = PasswordResetCode.objects.filter(
        user=user, created_at__gt=now - timedelta(days=1)
    ).count()
    if issued_today >= settings.PASSWORD_RESET_DAILY_CODES:
        return None
    open_codes.update(used_at=now)  # closed: only the newest code works
    code = f"{secrets.randbelow(10**domain.RESET_CODE_DIGITS):0{domain.RESET_CODE_DIGITS}d}"
    ttl = settings.PASSWORD_RESET_CODE_TTL_SECONDS
    PasswordResetCode.objects.create(
        user=user,
        code_hash=_reset_code_hash(user.pk, code),
        expires_at=now + timedelta(seconds=ttl),
    )
    if parsed.kind == "email":
        return "email", user.email, code, ttl
    return "sms", user.mobile, code, ttl


def _invalid_reset_code() -> ValidationFailed:
    return ValidationFailed(
        "The code is wrong, expired or used up: request a new one.",
        code="invalid_reset_code",
        details={"fields": {"code": ["The code is wrong, expired or used up."]}},
    )


def password_reset_confirm(*, identifier: str, code: str, new_password: str) -> None:
    """Set a new password with the code sent by password_reset_request.

    Rules: only the newest open code of the account counts; it is rejected once expired, after
    PASSWORD_RESET_MAX_ATTEMPTS wrong tries, or once used (single use). Every failure is the same
    400 invalid_reset_code, unknown accounts included. On success the code is spent, every
    refresh token of the user is blacklisted and the sign-in lock of the account is lifted.

    Not wrapped in one transaction on purpose: a wrong try must be counted even though the
    request fails, so the counting transaction commits before the error is raised.
    """
    try:
        parsed = domain.parse_identifier(identifier)
    except domain.RuleViolation as exc:
        raise _invalid(exc.errors) from exc
    with transaction.atomic():
        found = _user_by_identifier(parsed)
        if found is not None:
            user = _user_lock(found.pk)
            reset = (
                PasswordResetCode.objects.filter(user=user, used_at__isnull=True)
                .order_by("-id")
                .first()
            )
            now = timezone.now()
            usable = (
                reset is not None
                and reset.expires_at > now
                and reset.attempts < settings.PASSWORD_RESET_MAX_ATTEMPTS
            )
            if usable and constant_time_compare(reset.code_hash, _reset_code_hash(user.pk, code)):
                try:
                    validate_password(new_password, user=user)
                except DjangoValidationError as exc:
                    # The code was right: not counted as a wrong try, still usable.
                    raise _invalid({"new_password": exc.messages}) from exc
                user.set_password(new_password)
                user.save(update_fields=["password"])
                reset.used_at = now
                reset.save(update_fields=["used_at"])
                _sessions_revoke_all(user.pk)
                _login_failures_clear(_login_account_key(user.pk))
                return
            if usable:
                reset.attempts += 1
                reset.save(update_fields=["attempts"])
    raise _invalid_reset_code()


# --- Addresses ------------------------------------------------------------------------------

ADDRESS_FIELDS = tuple(f.name for f in dataclasses.fields(domain.AddressDraft))


def _address_validated(values: Mapping[str, Any]) -> domain.AddressDraft:
    try:
        return domain.validate_address(
            domain.AddressDraft(**{name: values.get(name) or "" for name in ADDRESS_FIELDS})
        )
    except domain.RuleViolation as exc:
        raise _invalid(exc.errors) from exc


def _address_of(user_id: int, address_id: int) -> Address:
    # Filtered by owner: another user's address is "not found", never "forbidden".
    address = Address.objects.filter(user_id=user_id, pk=address_id).first()
    if address is None:
        raise NotFound("Address not found.")
    return address


def _address_make_default(user_id: int, address: Address) -> None:
    # Unset first: the unique index on default_owner is checked statement by statement.
    Address.objects.filter(user_id=user_id, is_default=True).exclude(pk=address.pk).update(
        is_default=False
    )
    address.is_default = True


@transaction.atomic
def address_create(
    *,
    user_id: int,
    receiver_name: str,
    receiver_phone: str,
    province_code: str,
    city_code: str,
    district_code: str,
    detail: str,
    postal_code: str = "",
    tag: str = "",
    is_default: bool = False,
) -> Address:
    """Add a delivery address to the user's address book.

    Rules: the address is valid (domain.validate_address); at most MAX_ADDRESSES_PER_USER per
    user (422 address_limit_reached), counted under the user row lock so concurrent creates
    cannot overshoot; the first address becomes the default; creating one with is_default moves
    the default to it.
    """
    clean = _address_validated(
        {
            "receiver_name": receiver_name,
            "receiver_phone": receiver_phone,
            "province_code": province_code,
            "city_code": city_code,
            "district_code": district_code,
            "detail": detail,
            "postal_code": postal_code,
            "tag": tag,
        }
    )
    _user_lock(user_id)
    count = Address.objects.filter(user_id=user_id).count()
    if count >= domain.MAX_ADDRESSES_PER_USER:
        raise BusinessRuleViolation(
            f"An address book holds at most {domain.MAX_ADDRESSES_PER_USER} addresses.",
            code="address_limit_reached",
            details={"limit": domain.MAX_ADDRESSES_PER_USER},
        )
    address = Address(user_id=user_id, **dataclasses.asdict(clean))
    if is_default or count == 0:
        _address_make_default(user_id, address)
    address.save()
    return address


@transaction.atomic
def address_update(*, user_id: int, address_id: int, data: Mapping[str, Any]) -> Address:
    """Change fields of one of the user's own addresses (404 for anyone else's).

    Rules: the resulting address is valid as a whole; `is_default: true` moves the default
    here; `is_default: false` on the default is refused (422 default_address_required) because
    a user with addresses always has exactly one default: choose another one instead.
    """
    unknown = sorted(set(data) - {*ADDRESS_FIELDS, "is_default"})
    if unknown:
        raise _invalid({name: ["Unknown field."] for name in unknown})
    _user_lock(user_id)
    address = _address_of(user_id, address_id)
    merged = {name: data.get(name, getattr(address, name)) for name in ADDRESS_FIELDS}
    clean = _address_validated(merged)
    if "is_default" in data:
        if data["is_default"] and not address.is_default:
            _address_make_default(user_id, address)
        elif not data["is_default"] and address.is_default:
            raise BusinessRuleViolation(
                "One address must stay the default: make another address the default instead.",
                code="default_address_required",
            )
    for name, value in dataclasses.asdict(clean).items():
        setattr(address, name, value)
    address.save()
    return address


@transaction.atomic
def address_delete(*, user_id: int, address_id: int) -> None:
    """Delete one of the user's own addresses (404 for anyone else's).

    Rule: deleting the default promotes the most recently updated remaining address, so a user
    with addresses always has a default.
    """
    _user_lock(user_id)
    address = _address_of(user_id, address_id)
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user_id=user_id).order_by("-updated_at", "-id").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default"])


@transaction.atomic
def address_set_default(*, user_id: int, address_id: int) -> Address:
    """Make one of the user's own addresses the default; the previous default is unset in the
    same transaction, under the user row lock, so exactly one default remains."""
    _user_lock(user_id)
    address = _address_of(user_id, address_id)
    if not address.is_default:
        _address_make_default(user_id, address)
        address.save(update_fields=["is_default", "updated_at"])
    return address
