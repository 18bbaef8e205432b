"""Handlers were keyed by their import path; they now have explicit, stable names. Rename the
keys of existing deliveries and inbox records so nothing pending is orphaned or run twice.

Also erase the password-reset codes that `notification.send.v1` events carried (identity now sends
them through its notification port): no secret stays in the outbox.
"""

from django.db import migrations

RENAMED = {
    "contexts.catalog.handlers.stock_changed_mirror": "catalog.stock_changed_mirror",
    "contexts.catalog.handlers.review_created_rating_refresh": (
        "catalog.review_created_rating_refresh"
    ),
    "contexts.catalog.handlers.order_completed_sales_count": "catalog.order_completed_sales_count",
    "contexts.cart.handlers.order_placed_remove_purchased_lines": (
        "cart.order_placed_remove_purchased_lines"
    ),
}


def rename_forward(apps, schema_editor):
    _rename(apps, RENAMED)


def rename_backward(apps, schema_editor):
    _rename(apps, {new: old for old, new in RENAMED.items()})


def _rename(apps, names):
    EventDelivery = apps.get_model("events", "EventDelivery")
    InboxRecord = apps.get_model("events", "InboxRecord")
    for old, new in names.items():
        EventDelivery.objects.filter(handler=old).update(handler=new)
        InboxRecord.objects.filter(handler=old).update(handler=new)


def erase_notification_secrets(apps, schema_editor):
    OutboxEvent = apps.get_model("events", "OutboxEvent")
    EventDelivery = apps.get_model("events", "EventDelivery")
    rows = OutboxEvent.objects.filter(event_type="notification.send.v1")
    EventDelivery.objects.filter(event__in=rows).delete()
    rows.delete()


class Migration(migrations.Migration):
    dependencies = [("events", "0003_outbox_fan_out_and_aggregate_versions")]

    operations = [
        migrations.RunPython(rename_forward, rename_backward),
        migrations.RunPython(erase_notification_secrets, migrations.RunPython.noop),
    ]
