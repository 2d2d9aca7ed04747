"""`/report_month [YYYY-MM]`: the month's dispatch notice (调度通报) as a .docx document (default: the
current month), for supervisors, leadership and admins. Not `/report`: that is the officers' progress."""

from __future__ import annotations

from handlers.common import Turn, requires, run
from handlers.routes import OnCommand, Route
from ledger.access import Viewer
from ledger.errors import DubanError
from ledger.model import Role
from ledger.reporting import parse_month

# Longer than any month, short enough to quote back.
_QUOTED = 20


@requires(Role.SUPERVISOR, Role.LEADERSHIP, Role.ADMIN)
async def report_month(turn: Turn, viewer: Viewer) -> None:
    argument = " ".join(turn.args)
    month = parse_month(argument) if argument else None
    if argument and month is None:
        raise DubanError("bad_month", value=argument[:_QUOTED])
    report, data = await run(turn.services.reporting.month_notice, month, viewer.locale)
    params = {"report": report}
    await turn.port.reply_document(
        data,
        turn.render(viewer.locale, "chat/reports/month_file_name", params),
        turn.render(viewer.locale, "chat/reports/month_caption", params),
    )


ROUTES: tuple[Route, ...] = (OnCommand(("report_month",), report_month, fields=1),)
