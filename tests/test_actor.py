"""The audit log's one name for whoever acted: written and read back unchanged, one person one name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.access import Viewer
from ledger.actor import Actor, ActorKind

actors = st.one_of(
    st.integers(1, 10**12).map(Actor.person),
    st.integers(1, 10**12).map(Actor.chat_user),
    st.from_regex(r"[a-z][a-z_]{0,30}", fullmatch=True).map(Actor.system),
)


@given(actors)
def test_an_actor_reads_back_as_written(actor: Actor) -> None:
    assert Actor.parse(str(actor)) == actor


def test_a_person_is_named_as_the_person_whatever_account_they_use() -> None:
    bound = Viewer(telegram_user_id=3001, person_id=7, name="张伟", locale="zh_CN")
    stranger = Viewer(telegram_user_id=3002, person_id=None, name="?", locale="zh_CN")
    assert str(bound.actor) == "person:7" == str(Actor.person(7))
    assert bound.actor.person_id == 7
    assert (str(stranger.actor), stranger.actor.person_id) == ("tg:3002", None)
    assert Actor.parse("scheduler").kind is ActorKind.SYSTEM


@pytest.mark.parametrize("name", ["", "Person:1", "tg:", "person:x", "a b", "调度"])
def test_a_name_that_is_no_actor_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="actor"):
        Actor.parse(name)
