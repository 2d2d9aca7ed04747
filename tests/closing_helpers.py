"""What the closing-loop tests share: a ledger with people of two units, button presses, store reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TypeVar

from sqlalchemy import inspect, select

from ledger.actor import Actor
from ledger.model import ItemSpec, ParsedLedger, Role, Target
from loopback import AnsweredCallback, SentMessage
from services.container import Services
from storage.models import AuditEntry, Base, Item
from tests.harness import BotHarness
from tests.test_scheduler import LEADER, OFFICER, SUPERVISOR, at, setup_ledger

OTHER_OFFICER = 700_201  # officer of 市水务局, which has no item here
OTHER_SUPERVISOR = 700_203  # supervisor of 市生态环境局, which supervises nothing here
STRANGER = 700_999
Row = TypeVar("Row", bound=Base)

__all__ = ["LEADER", "OFFICER", "SUPERVISOR", "at"]


async def closing_ledger(bot: BotHarness, *deadlines: date | None) -> None:
    """Items of 市住建局 supervised by 整改办 (see `setup_ledger`), plus people of two other units."""
    await setup_ledger(bot, *deadlines)
    roster = bot.services.roster
    for user, name, role, unit in (
        (OTHER_OFFICER, "赵六", Role.OFFICER, "市水务局"),
        (OTHER_SUPERVISOR, "孙督导", Role.SUPERVISOR, "市生态环境局"),
    ):
        roster.add_unit(unit, actor=Actor.system("test"))
        roster.add_person(name, unit=unit, role=role, actor=Actor.system("test"), telegram_user_id=user)
        bot.api.add_user(user, name)


def sign_off(bot: BotHarness, number: str, when: datetime) -> None:
    """What the sign-off feature leaves behind: the item signed off at `when`, 100% done."""
    with bot.services.sessions() as session, session.begin():
        item = session.scalars(select(Item).where(Item.number == number)).one()
        item.percent = 100
        item.signed_off_at = when


async def press(bot: BotHarness, user: int, message: SentMessage, data: str) -> AnsweredCallback:
    """`user` presses the button `data` under `message` (in whatever chat it is: old buttons too); returns
    the bot's answer once the handler has finished."""
    return (await bot.press(user, message, data, check_button=False)).answered


async def delivered_to(bot: BotHarness, chat_id: int) -> SentMessage:
    """Send the outbox; the last message `chat_id` got."""
    await bot.deliver()
    return bot.api.last_sent(chat_id)


def rows(bot: BotHarness, model: type[Row]) -> list[Row]:
    """Every row of `model`, in the order written."""
    with bot.services.sessions() as session:
        return list(session.scalars(select(model).order_by(*inspect(model).primary_key)))


def item(bot: BotHarness, number: str = "1") -> Item:
    with bot.services.sessions() as session:
        found = session.scalars(select(Item).where(Item.number == number)).one()
        _ = found.targets  # loaded before the session closes
        return found


def audit_actions(bot: BotHarness) -> list[str]:
    return [entry.action for entry in rows(bot, AuditEntry)]


def utc(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


def one_supervised_item(
    services: Services, deadline: date, people: Iterable[tuple[int, str, Role, str]]
) -> None:
    """Item 1 of 市住建局, supervised by 整改办, due `deadline`, with these (Telegram id, name, role, unit) bound
    and no evidence asked for a sign-off: the stage of the tests of decisions taken at once."""
    test = Actor.system("test")
    for unit in ("市住建局", "整改办"):
        services.roster.add_unit(unit, actor=test)
    spec = ItemSpec(
        "1", "事项1", "问题1。", date(2026, 1, 1), targets=[Target("目标", deadline)],
        responsible_units=["市住建局"], supervising_units=["整改办"],
    )  # fmt: skip
    services.ledger.import_ledger(ParsedLedger(items=[spec]), actor=test, dry_run=False)
    for user, name, role, unit in people:
        services.roster.add_person(name, unit=unit, role=role, actor=test, telegram_user_id=user)
    services.signoff.set_rule("none", actor=test)
