"""`/report_month [YYYY-MM]`: the month's dispatch notice (调度通报) as a .docx document (default: the
current month), for supervisors, leadership and admins. Not `/report`: that is the officers' progress."""

from __future__ import annotations

from telegram import Update

from bot.context import BotContext, DubanApp
from handlers.common import Command, requires, run
from ledger.access import Viewer
from ledger.model import Role
from ledger.reporting import parse_month
from services.errors import DubanError

# Longer than any month, short enough to quote back.
_QUOTED = 20


@requires(Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
async def report_month(update: Update, context: BotContext, viewer: Viewer) -> None:
    message = update.effective_message
    if message is None:
        return
    argument = " ".join(context.args or [])
    month = parse_month(argument) if argument else None
    if argument and month is None:
        raise DubanError("bad_month", value=argument[:_QUOTED])
    services = context.services
    report, data = await run(services.reporting.month_notice, month, viewer.locale)
    params = {"report": report}
    await message.reply_document(
        data,
        filename=services.renderer.render(viewer.locale, "chat/reports/month_file_name", params),
        caption=services.renderer.render(viewer.locale, "chat/reports/month_caption", params),
    )


def register(app: DubanApp) -> None:
    app.add_handler(Command("report_month", report_month, fields=1))
