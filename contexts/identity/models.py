"""Accounts and addresses. Other contexts refer to a user by its integer id only."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, *, email=None, mobile=None, password=None, **extra):
        if not email and not mobile:
            raise ValueError("an account needs an email or a mobile number")
        user = self.model(
            email=self.normalize_email(email) if email else None, mobile=mobile or None, **extra
        )
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create(email=email, password=password, **extra)

    def create_superuser(self, email=None, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create(email=email, password=password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    class Gender(models.TextChoices):
        UNKNOWN = "unknown"
        MALE = "male"
        FEMALE = "female"

    email = models.EmailField(unique=True, null=True, blank=True)
    mobile = models.CharField(max_length=20, unique=True, null=True, blank=True)
    nickname = models.CharField(max_length=50, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    gender = models.CharField(max_length=10, choices=Gender.choices, default=Gender.UNKNOWN)
    birthday = models.DateField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(email__isnull=False) | Q(mobile__isnull=False),
                name="user_has_email_or_mobile",
                violation_error_message="An account needs an email address or a mobile number.",
            )
        ]

    def __str__(self) -> str:
        return self.email or self.mobile or f"user {self.pk}"


class Address(models.Model):
    """A buyer's delivery address.

    Services keep "exactly one default per user who has any address" under the user row lock.
    The database backs the "at most one" half on every engine: `default_owner` is the user id
    on the default row and NULL elsewhere, and a unique index on it lets NULLs repeat (MariaDB
    has no partial unique index, so a filtered UniqueConstraint would be ignored there).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="addresses")
    receiver_name = models.CharField(max_length=50)
    receiver_phone = models.CharField(max_length=20)
    province_code = models.CharField(max_length=12)
    city_code = models.CharField(max_length=12)
    district_code = models.CharField(max_length=12)
    detail = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=10, blank=True)
    tag = models.CharField(max_length=20, blank=True)
    is_default = models.BooleanField(default=False)
    default_owner = models.GeneratedField(
        expression=Case(When(is_default=True, then=F("user_id")), default=Value(None)),
        output_field=models.BigIntegerField(null=True),
        db_persist=True,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "addresses"
        ordering = ["-is_default", "-updated_at", "-id"]
        indexes = [models.Index(fields=["user", "is_default"], name="address_user_default")]
        constraints = [
            models.UniqueConstraint(
                fields=["default_owner"],
                name="address_one_default_per_user",
                violation_error_message="The buyer already has a default address.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.receiver_name} {self.detail}"


class PasswordResetCode(models.Model):
    """A one-time password reset code. Only an HMAC of the code is stored; the code itself
    travels once, inside the notification event."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_reset_codes")
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at"], name="reset_code_user_open")]

    def __str__(self) -> str:
        return f"reset code {self.pk} for user {self.user_id}"
