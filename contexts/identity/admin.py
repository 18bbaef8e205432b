"""Django admin for accounts and addresses, on the admin standard (`shared.admin.ServiceAdmin`).

Accounts are created through services.user_create (so UserRegistered is published like for a
sign-up), edited through services.user_admin_update, and never deleted: their orders refer to
them. Staff anonymise an account instead (services.user_anonymise: personal data erased, login
impossible, identity.account.anonymised.v1 published). Addresses are corrected or removed
through the address-book services (20 per user, one default); buyers add them.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, BaseUserCreationForm
from django.contrib.auth.forms import UserChangeForm as DjangoUserChangeForm
from django.core.exceptions import ValidationError
from django.db import models

from contexts.identity import domain, services
from contexts.identity.models import Address, User
from shared.admin import ReadOnlyInline, ServiceAdmin
from shared.audit.services import snapshot


class _IdentifierCleaning:
    """Store email and mobile in the same canonical form as sign-up does."""

    def clean_email(self):
        email = self.cleaned_data.get("email")
        return domain.normalize_email(email) if email else None

    def clean_mobile(self):
        mobile = self.cleaned_data.get("mobile")
        if not mobile:
            return None
        try:
            return domain.normalize_mobile(mobile)
        except domain.RuleViolation as exc:
            raise ValidationError(exc.errors["mobile"]) from exc


class UserCreationForm(_IdentifierCleaning, BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "mobile")


def _formfield(field, **kwargs):
    # Django 6 makes https the default scheme of URL form fields; take it now.
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class UserChangeForm(_IdentifierCleaning, DjangoUserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        formfield_callback = _formfield


class PasswordSetForm(AdminPasswordChangeForm):
    """Django's "change password" page, saving through services.user_password_set."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return services.user_password_set(user_id=self.user.pk, password=password)


class AddressInline(ReadOnlyInline):
    model = Address
    fields = (
        "receiver_name",
        "receiver_phone",
        "province_code",
        "city_code",
        "district_code",
        "detail",
        "tag",
        "is_default",
    )
    readonly_fields = fields
    show_change_link = True


@admin.register(User)
class UserAdmin(ServiceAdmin, DjangoUserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = PasswordSetForm
    inlines = (AddressInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    ordering = ("-id",)
    list_display = ("id", "email", "mobile", "nickname", "is_active", "is_staff", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("=id", "email", "mobile", "nickname")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "mobile", "password")}),
        ("Profile", {"fields": ("nickname", "avatar_url", "gender", "birthday")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "mobile", "password1", "password2")}),
    )
    actions = ("anonymise",)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else ()  # a new account has no addresses yet

    def service_create(self, request, form, formsets):
        return services.user_create(
            email=form.cleaned_data.get("email"),
            mobile=form.cleaned_data.get("mobile"),
            password=form.cleaned_data["password1"],
            check_password_strength=False,  # the form has run the validators already
        )

    def service_update(self, request, obj, form, formsets):
        names = (*services.ACCOUNT_ADMIN_FIELDS, "groups", "user_permissions")
        services.user_admin_update(
            user_id=obj.pk,
            data={name: form.cleaned_data[name] for name in names if name in form.changed_data},
        )

    def user_change_password(self, request, id, form_url=""):
        before = snapshot(User.objects.filter(pk=id).first())
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            self.audit(request, User.objects.get(pk=id), "password_set", before=before)
        return response

    @admin.action(description="Anonymise the selected accounts (erase personal data, close)")
    def anonymise(self, request, queryset):
        self.run_service_action(
            request,
            queryset.exclude(pk=request.user.pk),  # staff cannot lock themselves out here
            action="anonymise",
            service=lambda user: services.user_anonymise(user_id=user.pk),
            done="{count} account(s) anonymised.",
            keep_snapshots=False,  # the audit trail must not keep what was erased
        )


class AddressAdminForm(forms.ModelForm):
    class Meta:
        model = Address
        fields = (*services.ADDRESS_FIELDS, "user", "is_default")

    def clean(self):
        cleaned = super().clean()
        draft = {name: cleaned.get(name) or "" for name in services.ADDRESS_FIELDS}
        try:
            domain.validate_address(domain.AddressDraft(**draft))
        except domain.RuleViolation as exc:
            raise ValidationError(exc.errors) from exc
        return cleaned


@admin.register(Address)
class AddressAdmin(ServiceAdmin):
    form = AddressAdminForm
    list_display = ("id", "user", "receiver_name", "receiver_phone", "district_code", "is_default")
    list_filter = ("is_default",)
    search_fields = ("receiver_name", "receiver_phone", "user__email", "user__mobile")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    readonly_fields = ("user", "is_default", "created_at", "updated_at")
    exclude = ("default_owner",)

    def service_update(self, request, obj, form, formsets):
        services.address_update(
            user_id=obj.user_id,
            address_id=obj.pk,
            data={name: form.cleaned_data[name] for name in services.ADDRESS_FIELDS},
        )

    def service_delete(self, request, obj):
        services.address_delete(user_id=obj.user_id, address_id=obj.pk)
