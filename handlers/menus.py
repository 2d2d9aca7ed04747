"""Each role is told what it can do: the commands a person may use, for /help, the welcome after binding
and the chat's command menu.

Who may use a command is said once, by its handler's `requires` (`routes.command_roles`); what a command
is called and does is the `chat/commands` catalogue of each language. A person's menu is set in their own
chat (a per-chat scope, in their language) when they bind, when their roles or language change, and by
the periodic sync for changes made elsewhere (the command line); strangers see the default menu, the
binding hint, and groups the commands that work there.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from handlers.chat import MenuCommand, MenuPort, UndeliverableError
from handlers.common import run
from handlers.groups import GROUP_MENU, SENT_IN_GROUP
from handlers.routes import command_roles
from ledger.access import Viewer
from messages.render import Renderer
from services.container import Services

_LOGGER = logging.getLogger(__name__)
BINDING = "start"  # the stranger's one command; a bound person no longer needs it in the menu
_SEPARATOR = "::"


@dataclass(frozen=True)
class CommandLine:
    """A command as the catalogue of a language says it: its name, how it is written, what it does."""

    name: str
    usage: str
    description: str


def catalogue(renderer: Renderer, locale: str) -> list[CommandLine]:
    """Every command, in the catalogue's order, as the locale says it."""
    lines = []
    for line in renderer.render(locale, "chat/commands").splitlines():
        if line.strip():
            name, usage, description = line.split(_SEPARATOR)
            lines.append(CommandLine(name.strip(), usage.strip(), description.strip()))
    return lines


def may_use(viewer: Viewer, name: str) -> bool:
    """Whether the viewer's roles let them use the command (a stranger: only the binding)."""
    roles = command_roles().get(name)
    if roles is None:
        return name in command_roles()
    return not viewer.is_stranger and (not roles or viewer.has(*roles))


def commands_for(renderer: Renderer, viewer: Viewer) -> list[CommandLine]:
    """The commands this person may use, in the catalogue's order (the binding left out once bound)."""
    return [
        line
        for line in catalogue(renderer, viewer.locale)
        if may_use(viewer, line.name) and not (line.name == BINDING and not viewer.is_stranger)
    ]


def private_menu(renderer: Renderer, viewer: Viewer) -> list[MenuCommand]:
    """The menu of the person's own chat with the bot: their commands, those sent in a group left out."""
    return [
        (line.name, line.description)
        for line in commands_for(renderer, viewer)
        if line.name not in SENT_IN_GROUP
    ]


def default_menu(renderer: Renderer, locale: str) -> list[MenuCommand]:
    """What a stranger's chat shows: how to bind."""
    return [(line.name, line.description) for line in catalogue(renderer, locale) if line.name == BINDING]


def group_menu(renderer: Renderer, locale: str) -> list[MenuCommand]:
    """What a group shows: /help (what the bot does in a group) and the commands sent in a group."""
    return [(line.name, line.description) for line in catalogue(renderer, locale) if line.name in GROUP_MENU]


def menu_key(chat_id: int, commands: Sequence[MenuCommand]) -> str | None:
    """A fingerprint of a chat's menu, to set it again only when it changes (None: no menu of its own)."""
    if not commands:
        return None
    return hashlib.sha1(json.dumps([chat_id, list(commands)], ensure_ascii=False).encode()).hexdigest()


async def sync_menus(
    services: Services,
    port: MenuPort,
    person_ids: Collection[int] | None = None,
    *,
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Set the menu of every bound person's chat (of `person_ids`, if given) whose roles, language or chat
    changed since it was last set; a deactivated person's chat goes back to the default. How many were set.
    Ends early once `stopping()` (the process is stopping: the rest are set at the next sync)."""
    renderer = services.renderer
    changed = 0
    for state in await run(services.menus.states, person_ids):
        if stopping():
            break
        commands = private_menu(renderer, state.viewer) if state.viewer is not None else []
        key = menu_key(state.chat_id, commands)
        if key == state.key:
            continue
        try:
            await port.set_commands(state.chat_id, commands)
        except UndeliverableError as error:
            # Tried again at the next sync; nothing else depends on it.
            _LOGGER.info("menu of chat %s not set: %s", state.chat_id, error)
            continue
        await run(services.menus.record, state.person_id, key)
        changed += 1
    return changed
