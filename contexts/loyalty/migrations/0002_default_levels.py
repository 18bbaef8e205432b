"""The default member levels (staff edit them afterwards; existing rows are left alone)."""

from decimal import Decimal

from django.db import migrations

DEFAULT_LEVELS = (
    ("regular", "Regular", "0.00", "1.00", False, 0),
    ("silver", "Silver", "1000.00", "1.20", False, 100),
    ("gold", "Gold", "5000.00", "1.50", True, 300),
    ("platinum", "Platinum", "20000.00", "2.00", True, 800),
)


def levels_seed(apps, schema_editor):
    LevelRule = apps.get_model("loyalty", "LevelRule")
    if LevelRule.objects.exists():
        return
    for code, name, min_growth, multiplier, free_shipping, birthday_points in DEFAULT_LEVELS:
        LevelRule.objects.create(
            code=code,
            name=name,
            min_growth=Decimal(min_growth),
            multiplier=Decimal(multiplier),
            free_shipping=free_shipping,
            birthday_points=birthday_points,
        )


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]

    operations = [migrations.RunPython(levels_seed, migrations.RunPython.noop)]
