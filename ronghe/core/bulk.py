"""Writing many rows at once.

On PostgreSQL rows go through `COPY … FROM STDIN`. Django's `bulk_create` sends each column as
an array that psycopg formats in Python, which cost a 100,000-row roster import about 18 s for
its people and audit rows against 6 s by COPY; its `bulk_update` writes one `CASE WHEN id = …`
per field and row, which cost the 1st-of-month compliance evaluation 11 of its 13 s for about
120,000 changed findings (docs/PERFORMANCE.md). Here an update copies the new values into a
temporary table and applies them with one `UPDATE … FROM`. Elsewhere (SQLite) Django's own
bulk methods are used. Either way the rows are written inside the caller's transaction, and a
broken constraint raises Django's IntegrityError.

Rows are plain tuples of Python values in the order of the named fields (attribute names:
`rule_id`, not `rule`), so a caller with thousands of results need not build model instances.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction

BATCH = 1000
Row = Sequence[Any]


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
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        for obj in objects
    ]  # prepared before COPY starts, so the statement is open only while rows stream
    _copy(model._meta.db_table, [field.column for field in fields], rows)


def insert_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Row]) -> None:
    """Insert rows given as values of the named fields; the other fields take the model's
    defaults, as `Model(...)` would give them."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(
            [model(**dict(zip(names, row, strict=True))) for row in rows], batch_size=BATCH
        )
        return
    named = [_field(model, name) for name in names]
    others = [
        field
        for field in model._meta.concrete_fields
        if field not in named and not _generated(field)
    ]
    defaults = tuple(field.get_db_prep_save(field.get_default(), connection) for field in others)
    _copy(
        model._meta.db_table,
        _column_names([*named, *others]),
        (tuple(row) + defaults for row in rows),
    )


def update_rows(model: type[models.Model], names: Sequence[str], rows: Iterable[Row]) -> None:
    """Set the named fields of existing rows; each row is (primary key, *values)."""
    rows = list(rows)
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(pk, **dict(zip(names, values, strict=True))) for pk, *values in rows]
        model._default_manager.bulk_update(objects, list(names), batch_size=BATCH)
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    key = quote(model._meta.pk.column)
    columns = [quote(column) for column in _columns(model, names)]
    staging = quote("bulk_update_staging")
    with transaction.atomic(), connection.cursor() as cursor:
        # Same column types as the target (WITH NO DATA copies none of its rows); dropped at
        # the end, and by ON COMMIT DROP should the update fail. Every name in these
        # statements comes from the model's metadata, quoted; the values travel by COPY.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {key}, {', '.join(columns)} FROM {table} WITH NO DATA"
        )
        _copy("bulk_update_staging", [model._meta.pk.column, *_columns(model, names)], rows)
        assignments = ", ".join(f"{column} = staged.{column}" for column in columns)
        cursor.execute(
            f"UPDATE {table} AS target SET {assignments} "  # noqa: S608
            f"FROM {staging} AS staged WHERE target.{key} = staged.{key}"
        )
        cursor.execute(f"DROP TABLE {staging}")


def _copy(table: str, columns: Sequence[str], rows: Iterable[Row]) -> None:
    quote = connection.ops.quote_name
    statement = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,  # psycopg's own: Django's has no copy()
        connection.wrap_database_errors,  # psycopg's UniqueViolation → Django's IntegrityError
        cursor.copy(statement) as pipe,
    ):
        for row in rows:
            pipe.write_row(row)


def _field(model: type[models.Model], name: str) -> models.Field:
    """A concrete field by its name or attribute name (`rule` or `rule_id`)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field) or field.column is None:
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return field


def _column_names(fields: Sequence[models.Field]) -> list[str]:
    return [str(field.column) for field in fields]


def _columns(model: type[models.Model], names: Sequence[str]) -> list[str]:
    return _column_names([_field(model, name) for name in names])


def _generated(field: models.Field) -> bool:
    """A column the database fills in itself (the auto-increment id)."""
    return bool(getattr(field, "db_returning", False))
