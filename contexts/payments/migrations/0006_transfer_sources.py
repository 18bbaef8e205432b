from django.db import migrations, models


def sources_from_ref(apps, schema_editor):
    # A transfer of before this migration named at most one WeChat payment by its reference.
    Transfer = apps.get_model("payments", "Transfer")
    for transfer in Transfer.objects.exclude(source_payment_ref=""):
        transfer.sources = [
            {
                "payment_no": "",
                "provider": transfer.provider,
                "payment_ref": transfer.source_payment_ref,
                "amount": str(transfer.amount),
            }
        ]
        transfer.save(update_fields=["sources"])


class Migration(migrations.Migration):
    dependencies = [("payments", "0005_sandbox_transaction_kinds")]

    operations = [
        migrations.AddField(
            model_name="transfer",
            name="sources",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(sources_from_ref, migrations.RunPython.noop),
        migrations.RemoveField(model_name="transfer", name="source_payment_ref"),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(fields=["state", "updated_at"], name="transfer_state_updated"),
        ),
    ]
