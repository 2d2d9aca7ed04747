"""A chat action on a busy store: it waits for another writer's lock (the day's run, a long import) a
fraction of a second at most, and is then told as busy (`StoreBusyError`), never as a failure.

A chat update is one `StoreVisit` (`chat_visit`, opened where the update is handled); every service call of
it runs through `call`, in its worker thread, with the visit's short lock wait. A lock held longer rolls the
call's transaction back, so the answer can say what is true: nothing changed, unless an earlier step of the
same update had already committed (the visit remembers), which the answer then says instead.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from storage.db import StoreVisit, current_visit, is_lock_timeout, visiting

P = ParamSpec("P")
R = TypeVar("R")
# What a person waits for the store at most per statement, before "busy, try again".
CHAT_LOCK_WAIT = 0.5


class StoreBusyError(Exception):
    """The store stayed locked by another writer longer than a chat action waits. `changed`: whether an
    earlier step of the same action had already stored a change (else nothing changed)."""

    def __init__(self, changed: bool) -> None:
        super().__init__("the store is busy")
        self.changed = changed


@contextmanager
def chat_visit() -> Iterator[StoreVisit]:
    """One chat update's use of the store, for the calls made within (in this task and its threads)."""
    with visiting(StoreVisit(CHAT_LOCK_WAIT)) as visit:
        yield visit


def call(function: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Run a service call (in a worker thread); a lock that outlasted the wait is a `StoreBusyError`."""
    try:
        return function(*args, **kwargs)
    except Exception as error:
        if not is_lock_timeout(error):
            raise
        visit = current_visit()
        raise StoreBusyError(visit is not None and visit.changed) from error
