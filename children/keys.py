"""Keeping every child's search keys in step with how names are keyed.

When :mod:`children.matching` changes how names are keyed (a transliteration, a folding of
spellings), the keys already stored are recomputed here: in batches by primary key, each batch
its own short transaction, writing only the rows whose keys differ. Stopping it part-way loses
nothing, and running it again carries on where the keys are still old (the migration that
introduced the new keys calls it; so does ``manage.py recompute_search_keys``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

from children import matching

BATCH = 5_000


def recompute(
    model, *, batch: int = BATCH, progress: Callable[[int, int, int], None] | None = None
) -> tuple[int, int]:
    """Recompute the search keys of every row of ``model`` (the Child model, or its historical
    version in a migration). Returns (rows read, rows changed); ``progress`` is told
    (read, changed, total) after each batch."""
    total = model.objects.count()
    last, read, changed = 0, 0, 0
    while True:
        rows = list(
            model.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "forenames", "surname", "other_names", "search_keys")[:batch]
        )
        if not rows:
            break
        updates = []
        for pk, forenames, surname, other_names, stored in rows:
            keys = matching.child_keys(forenames, surname, other_names)
            if keys != list(stored or []):
                updates.append((pk, keys))
        if updates:
            with transaction.atomic(), connection.cursor() as cursor:
                table = model._meta.db_table
                cursor.executemany(
                    f"UPDATE {table} SET search_keys = %s WHERE id = %s",  # noqa: S608 - model table
                    [(keys, pk) for pk, keys in updates],
                )
        last = rows[-1][0]
        read += len(rows)
        changed += len(updates)
        if progress:
            progress(read, changed, total)
    return read, changed
