"""Duban in a group chat (the office's work group): it answers only commands sent to it and takes no part in
the conversation, and never lists anyone's items there.

Telegram decides which messages of a group reach a bot: in privacy mode (the default) only commands
addressed to it (`/cmd@bot`), plain commands while it is the only bot or the last one to have written,
and replies to its messages; with privacy mode off, everything. Like python-telegram-bot's
`CommandHandler`, Duban takes `/cmd@bot` and a plain `/cmd`, never `/cmd@another_bot`; a plain `/word` it
does not know may be another bot's, and is left alone. Everything that is not a command is ignored.

`/help` and the group's own commands are answered in the group. Any other command is run for its sender
in their private chat with the bot (what it shows is theirs, not the group's), and the group is told so
in one line; when the bot cannot write to them in private (they never opened it), the group is told to
write to the bot in private, and nothing is done.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Collection

from handlers.chat import ChatRef
from handlers.common import Turn, telegram_user, viewer_of

GROUP_MENU = ("help", "group_here")  # what a group's command menu offers
# /robot_add is answered (refused) where it was sent: a robot's key posted in a group is no longer secret, so
# it is not taken, even in private.
ANSWERED_IN_GROUP = (*GROUP_MENU, "robot_add")
SENT_IN_GROUP = ("group_here",)  # only meaningful in a group: not in a person's own menu


async def in_group(
    turn: Turn,
    known: Collection[str],
    here: Callable[[Turn], Awaitable[None]],
    in_private: Callable[[Turn], Awaitable[None]],
) -> None:
    """Handle an event of a group chat: `here` runs it in the group; `in_private` handles it for its sender
    in their private chat (a turn answering there). `known`: the commands Duban takes."""
    event, sender = turn.event, turn.event.sender
    command = event.command
    if event.press is not None:
        await here(turn)
        return
    if command is None or not command.for_us or sender is None:
        return
    if command.name in ANSWERED_IN_GROUP:
        await here(turn)
        return
    if not command.addressed and command.name not in known:
        return
    viewer = await viewer_of(turn)
    user = telegram_user(event)
    if viewer is None or user is None:
        return
    params = {"name": user.first_name, "link": turn.port.bot_link()}
    private = await turn.port.private()
    if private is None:
        await turn.answer(viewer.locale, "chat/private_needed", params)
        return
    alone = dataclasses.replace(event, chat=ChatRef(sender.platform_id, True), replied=None)
    await in_private(Turn(alone, private, turn.services, turn.memory, seen=turn.seen))
    await turn.answer(viewer.locale, "chat/private_sent", params)
