"""The admin standard: every Django-admin write goes through the owning context's services.

`ServiceAdmin` is a ModelAdmin whose add, change and delete call the service functions the
subclass declares (`service_create`, `service_update`, `service_delete`); a write it does not
declare is not offered. An `AppError` from a service becomes an error on the form (or an error
message for a delete or an action): nothing is saved, no success banner is shown and no
"added"/"changed"/"deleted" LogEntry is written. Every write that succeeds records an
`AuditRecord` (who, what, action, before/after without secrets, request id). Actions use
`run_service_action`, which does the same per selected object.

`ReadOnlyAdmin` / `ReadOnlyInline` show rows that only services change (no add/change/delete).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.db import models, transaction
from django.http import HttpResponseRedirect

from shared.audit.services import audit_record, snapshot
from shared.errors import AppError

_REFUSAL = "_service_refusal"


class IdLabelsAdmin(admin.ModelAdmin):
    """Shows ids that point into another context by name (see `id_label`)."""

    # Ids pointing into another context, shown by name: {"merchant_id": lookup}, where
    # lookup(ids) -> {id: name} calls that context's api once per changelist page.
    id_labels: dict[str, Callable[[set[int]], dict[int, str]]] = {}

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        for field, lookup in self.id_labels.items():
            ids = {getattr(row, field) for row in rows} - {None}
            names = lookup(ids) if ids else {}
            for row in rows:
                setattr(row, f"_{field}_label", names.get(getattr(row, field)))
        return changelist


class ReadOnlyAdmin(IdLabelsAdmin):
    """Rows shown for support; they change only through services (or never)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class _ServiceRefused(Exception):
    def __init__(self, error: AppError) -> None:
        self.error = error
        super().__init__(error.message)


def _field_errors(error: AppError) -> dict[str, list[str]]:
    """The form fields an AppError names: details {"fields": {name: [messages]}} (validation
    errors) or {"field": name} (a conflict on one field)."""
    details = error.details if isinstance(error.details, dict) else {}
    if isinstance(details.get("field"), str):
        return {details["field"]: [error.message]}
    fields = details.get("fields")
    if not isinstance(fields, dict):
        return {}
    return {
        str(name): [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
        for name, msgs in fields.items()
    }


def _form_with_refusal(form_class, error: AppError):
    """The same form, failing validation with the service's message (on the fields it names)."""

    class RefusedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            named = _field_errors(error)
            for name, msgs in named.items():
                self.add_error(name if name in self.fields else None, msgs)
            if not named:
                self.add_error(None, error.message)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class ServiceAdmin(IdLabelsAdmin):
    """Writes through services, AppError as a form error, an audit row per write.

    Declare the writes the admin offers by defining, in the subclass:
      service_create(request, form, formsets) -> the created instance
      service_update(request, obj, form, formsets) -> None
      service_delete(request, obj) -> None
    Inlines are saved only by these (the service receives the validated formsets).
    """

    service_create: Callable[..., models.Model] | None = None
    service_update: Callable[..., None] | None = None
    service_delete: Callable[..., None] | None = None

    # --- what is offered -------------------------------------------------------------------

    def has_add_permission(self, request, obj=None) -> bool:
        return self.service_create is not None and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.service_update is not None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.service_delete is not None and super().has_delete_permission(request, obj)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            actions["delete_selected"] = (
                _delete_selected_through_services,
                "delete_selected",
                actions["delete_selected"][2],
            )
        return actions

    # --- add / change ----------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, _REFUSAL, None)
        return form_class if refusal is None else _form_with_refusal(form_class, refusal)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except _ServiceRefused as refused:
            # The first pass rolled back; the second shows the same form with the message.
            setattr(request, _REFUSAL, refused.error)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change) -> None:
        """Nothing here: the service call needs the formsets, so it runs in save_related."""

    def save_related(self, request, form, formsets, change) -> None:
        obj = form.instance
        before = snapshot(type(obj).objects.filter(pk=obj.pk).first()) if change else None
        try:
            with transaction.atomic():
                if change:
                    self.service_update(request, obj, form, formsets)
                else:
                    created = self.service_create(request, form, formsets)
                    obj.pk = created.pk
        except AppError as exc:
            raise _ServiceRefused(exc) from exc
        for formset in formsets:  # the service saved the rows; the change message lists none
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        self.audit(request, obj, "change" if change else "add", before=before)

    # --- delete ----------------------------------------------------------------------------

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except _ServiceRefused as refused:
            self.message_user(request, f"Not deleted: {refused.error.message}", messages.ERROR)
            return HttpResponseRedirect(request.path.removesuffix("delete/") + "change/")

    def delete_model(self, request, obj) -> None:
        before = snapshot(obj)
        try:
            with transaction.atomic():
                self.service_delete(request, obj)
        except AppError as exc:
            raise _ServiceRefused(exc) from exc
        self.audit(request, obj, "delete", before=before, after=None)

    # --- actions and audit -----------------------------------------------------------------

    def run_service_action(
        self,
        request,
        objects: Iterable[models.Model],
        *,
        action: str,
        service: Callable[[models.Model], Any],
        done: str,
        keep_snapshots: bool = True,
    ) -> int:
        """Call `service(obj)` for each object in its own transaction, audit each success, and
        report refusals as error messages. The success message (`done`, with `{count}`) is
        shown only when something was done. Returns how many succeeded. `keep_snapshots=False`
        records the action without before/after (an action that erases personal data)."""
        count = 0
        for obj in objects:
            before = snapshot(obj) if keep_snapshots else None
            try:
                with transaction.atomic():
                    service(obj)
            except AppError as exc:
                self.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
                continue
            after = ... if keep_snapshots else None
            self.audit(request, obj, action, before=before, after=after)
            count += 1
        if count:
            self.message_user(request, done.format(count=count), messages.SUCCESS)
        return count

    def audit(self, request, obj, action: str, *, before, after: Any = ...) -> None:
        """One AuditRecord for a write on `obj`; `after` defaults to the row as now stored."""
        object_id = obj.pk if obj.pk is not None else (before or {}).get(obj._meta.pk.attname)
        stored = type(obj).objects.filter(pk=obj.pk).first() if obj.pk is not None else None
        if after is ...:
            after = snapshot(stored)
        user = request.user
        audit_record(
            actor_user_id=user.pk,
            actor=user.get_username(),
            model=type(obj),
            object_id=object_id,
            object_repr=str(stored if stored is not None else obj),
            action=action,
            before=before,
            after=after,
        )


def _delete_selected_through_services(modeladmin: ServiceAdmin, request, queryset):
    """Django's confirmation page, then each object deleted through the service (audited)."""
    if not request.POST.get("post"):
        return django_delete_selected(modeladmin, request, queryset)
    if not modeladmin.has_delete_permission(request):
        return None
    modeladmin.run_service_action(
        request,
        list(queryset),
        action="delete",
        service=lambda obj: _delete_and_log(modeladmin, request, obj),
        done="{count} deleted.",
    )
    return None


def _delete_and_log(modeladmin: ServiceAdmin, request, obj) -> None:
    modeladmin.log_deletions(request, [obj])  # rolled back with the delete if it is refused
    modeladmin.service_delete(request, obj)


def formset_rows(formsets, model: type[models.Model]) -> tuple[list, list]:
    """The validated rows of the inline formset for `model`: (kept, deleted), each a list of
    (instance, cleaned_data) in form order; empty extra rows are left out."""
    kept, deleted = [], []
    for formset in formsets:
        if formset.model is not model:
            continue
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or (not form.has_changed() and form.instance.pk is None):
                continue
            (deleted if data.get("DELETE") else kept).append((form.instance, data))
    return kept, deleted


def id_label(field: str, description: str):
    """A list column showing the readable name that `ServiceAdmin.id_labels` looked up for the
    id in `field` (the id itself when the other context does not know it)."""

    @admin.display(description=description, ordering=field)
    def column(self, obj) -> str:
        value = getattr(obj, field)
        label = getattr(obj, f"_{field}_label", None)
        return f"{label} (#{value})" if label else ("-" if value is None else f"#{value}")

    return column
