"""Inserting many new rows at once.

On PostgreSQL the rows go through `COPY … FROM STDIN`: Django's `bulk_create` sends each
column as an array that psycopg formats in Python, which cost a 100,000-row roster import
about 18 s for its people and audit rows against 6 s by COPY (docs/PERFORMANCE.md). Elsewhere
(SQLite) `bulk_create` is used. Either way the rows are written inside the caller's
transaction, and a broken constraint raises Django's IntegrityError.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models

BATCH = 1000


def insert_new(objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model. Database-generated primary keys are not read
    back: callers identify the rows by their own keys (a person's code)."""
    if not objects:
        return
    model = type(objects[0])
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        return
    fields = [field for field in model._meta.concrete_fields if not _generated(field)]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    statement = f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) FROM STDIN"
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,  # psycopg's UniqueViolation → Django's IntegrityError
        cursor.cursor.copy(statement) as pipe,  # psycopg's own cursor: Django's has no copy()
    ):
        for obj in objects:
            pipe.write_row(
                [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
            )


def _generated(field: models.Field) -> bool:
    """A column the database fills in itself (the auto-increment id)."""
    return bool(getattr(field, "db_returning", False))
