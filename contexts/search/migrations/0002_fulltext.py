"""The full-text index of the embedded search index, per database engine: an FTS5 table on
SQLite (rowid = spu_id), an InnoDB FULLTEXT index on MariaDB/MySQL (over tokens computed in
Python, see contexts/search/domain.py). Other engines get none and cannot run the embedded
index's keyword search."""

from django.db import migrations


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE search_product_fts "
            "USING fts5(tokens, title_tokens, tokenize='unicode61')"
        )
    elif vendor == "mysql":
        schema_editor.execute(
            "ALTER TABLE search_product ADD FULLTEXT INDEX search_product_tokens_ft (tokens)"
        )
        schema_editor.execute(
            "ALTER TABLE search_product "
            "ADD FULLTEXT INDEX search_product_title_tokens_ft (title_tokens)"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS search_product_fts")
    elif vendor == "mysql":
        schema_editor.execute("ALTER TABLE search_product DROP INDEX search_product_tokens_ft")
        schema_editor.execute(
            "ALTER TABLE search_product DROP INDEX search_product_title_tokens_ft"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    # DDL: MariaDB cannot roll it back, so it must not run inside a transaction.
    operations = [migrations.RunPython(create, drop, atomic=False)]
