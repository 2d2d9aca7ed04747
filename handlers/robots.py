"""The office's group robots on WeCom, DingTalk and Feishu (群机器人): /robot_add, /robots, /robot_off.

A robot's address (and its 加签 secret) lets anyone post to the group, so it is registered in a private chat
only, and shown afterwards without its key."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role
from ledger.robots import is_secret_word, platform_of, robot_address


@requires(Role.ADMIN)
async def robot_add(turn: Turn, viewer: Viewer) -> None:
    """`/robot_add PLATFORM WEBHOOK [SECRET] [NAME]`: the secret is told from the name by its form."""
    chat = turn.event.chat
    if chat is None or not chat.private:
        raise DubanError("robot/private_only")
    args = turn.args
    if len(args) < 2:
        raise DubanError("robot/usage")
    platform = platform_of(args[0])
    rest = args[2:]
    secret = rest.pop(0) if rest and is_secret_word(platform, rest[0]) else None
    address = robot_address(platform, args[1], secret)
    name = " ".join(rest) or turn.services.renderer.render(viewer.locale, "chat/robot/default_name")
    robot = await run(
        turn.services.robots.register, address, name, actor=viewer.actor, person_id=viewer.person_id
    )
    await turn.answer(viewer.locale, "chat/robot/registered", {"robot": robot})


@requires(Role.ADMIN)
async def robots(turn: Turn, viewer: Viewer) -> None:
    listed = await run(turn.services.robots.robots)
    await turn.answer(viewer.locale, "chat/robot/list", {"robots": listed})


@requires(Role.ADMIN)
async def robot_off(turn: Turn, viewer: Viewer) -> None:
    args = turn.args
    if len(args) != 1 or not args[0].isdigit():
        raise DubanError("robot/usage")
    robot = await run(turn.services.robots.stop, int(args[0]), actor=viewer.actor)
    await turn.answer(viewer.locale, "chat/robot/stopped", {"robot": robot})


ROUTES: tuple[Route, ...] = (
    OnCommand(("robot_add",), robot_add),
    OnCommand(("robots",), robots, fields=0),
    OnCommand(("robot_off",), robot_off),
)
