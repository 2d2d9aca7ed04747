"""The admin's office settings: /rules (reminder and escalation rules) and /calendar (work calendar)."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.model import Role
from scheduler.rule_values import SPECS
from services.settings import parse_cadence, parse_day

RESET_WORDS = ("reset", "default", "重置", "恢复默认")
WORK_WORDS = ("work", "working", "上班", "工作日")
OFF_WORDS = ("off", "holiday", "休息", "放假")
CLEAR_WORDS = ("clear", "删除", "清除")


async def _usage(turn: Turn, viewer: Viewer, command: str) -> None:
    await turn.answer(
        viewer.locale, "chat/settings/usage", {"command": command, "names": [spec.name for spec in SPECS]}
    )


@requires(Role.ADMIN)
async def rules(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    service = turn.services.office_settings
    if not args:
        listed = await run(service.rules)
        await turn.answer(viewer.locale, "chat/settings/rules", {"rules": listed})
        return
    if len(args) == 2 and args[0].lower() in RESET_WORDS:
        change = await run(service.reset_rule, args[1], actor=viewer.actor)
        await turn.answer(viewer.locale, "chat/settings/rule_reset", {"change": change})
        return
    if len(args) < 2:
        await _usage(turn, viewer, "rules")
        return
    change = await run(service.set_rule, args[0], " ".join(args[1:]), actor=viewer.actor)
    await turn.answer(viewer.locale, "chat/settings/rule_set", {"change": change})


@requires(Role.ADMIN)
async def calendar(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    service = turn.services.office_settings
    if not args:
        view = await run(service.calendar)
        await turn.answer(viewer.locale, "chat/settings/calendar", {"calendar": view})
        return
    word = args[1].lower() if len(args) >= 2 else ""
    if word not in WORK_WORDS + OFF_WORDS + CLEAR_WORDS or (word in CLEAR_WORDS and len(args) > 2):
        await _usage(turn, viewer, "calendar")
        return
    day = parse_day(args[0], turn.services.office.today())
    if word in CLEAR_WORDS:
        cleared = await run(service.clear_day, day, actor=viewer.actor)
        await turn.answer(viewer.locale, "chat/settings/day_cleared", {"override": cleared})
        return
    note = " ".join(args[2:]) or None
    change = await run(service.set_day, day, word in WORK_WORDS, note, actor=viewer.actor)
    await turn.answer(viewer.locale, "chat/settings/day_set", {"change": change})


@requires(Role.ADMIN)
async def cadence(turn: Turn, viewer: Viewer) -> None:
    """`/cadence` lists; `/cadence N 5,20` gives item N its own dispatch days; `/cadence N default` undoes it."""
    args = turn.args
    service = turn.services.cadences
    if not args:
        listed = await run(service.cadences)
        await turn.answer(viewer.locale, "chat/settings/cadences", {"cadences": listed})
        return
    if len(args) < 2:
        await _usage(turn, viewer, "cadence")
        return
    days = None if args[1].lower() in RESET_WORDS else parse_cadence(" ".join(args[1:]))
    changed = await run(service.set, viewer, args[0], days)
    await turn.answer(viewer.locale, "chat/settings/cadence_set", {"cadence": changed})


ROUTES: tuple[Route, ...] = (
    OnCommand(("cadence",), cadence, fields=1),
    OnCommand(("rules",), rules, fields=1),
    OnCommand(("calendar",), calendar, fields=2),
)
