"""Each indexed product's attribute value ids on its own row (the embedded index counts the
attribute facets from the rows its one full-text match returns), filled in for the products
already indexed."""

from django.db import migrations, models

BATCH = 1000


def fill(apps, schema_editor):
    product = apps.get_model("search", "IndexedProduct")
    attribute = apps.get_model("search", "IndexedProductAttribute")
    values: dict[int, list[str]] = {}
    for spu_id, value_id in attribute.objects.order_by("spu_id", "value_id").values_list(
        "spu_id", "value_id"
    ):
        values.setdefault(spu_id, []).append(str(value_id))
    rows = [product(spu_id=spu_id, facet_value_ids=" ".join(ids)) for spu_id, ids in values.items()]
    product.objects.bulk_update(rows, ["facet_value_ids"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("search", "0002_fulltext")]

    operations = [
        migrations.AddField(
            model_name="indexedproduct",
            name="facet_value_ids",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
