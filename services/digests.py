"""Digests: the supervisors' daily digest, the leadership's weekly summary, and the office's work group.

Once a day the scheduler's tick runs `daily` (one of the `DailyRun`'s daily rules). On a working day it
writes to the outbox, to go out at the digest time (scheduler setting "digest_time", default 08:30):
- each supervisor's digest of the items their units supervise, covering the time since the previous
  digest (scheduler setting "digest_until": the instant the previous digests were made);
- on the first working day of the week, the weekly summary to leadership and to the registered groups,
  with the indicator ledger's section (the binding indicators by state, those off track and unreported) when
  the office has indicators;
- to the registered groups, the red notices (通报) issued and the sign-offs approved since the previous
  digest, naming items and units, never people.

The chart of progress by unit goes with the weekly summary: the sender renders it when it sends the row
of the weekly kinds (`weekly_chart`), so the outbox needs no column for images.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, true
from sqlalchemy.orm import Session, sessionmaker

from ledger.access import Viewer
from ledger.buttons import OpenItem
from ledger.clock import Clock
from ledger.digest import Activity, Digest, DigestItem, WeeklySummary, build_digest, weekly_summary
from ledger.errors import DubanError
from ledger.model import Role, UnitRole
from ledger.signoff import reviewing_units
from ledger.status import is_chased
from messages.render import DEFAULT_LOCALE, Renderer
from messages.split import TELEGRAM_LIMIT, utf16_length
from reports.digest_sheet import digest_workbook, sheet_texts
from scheduler.calendar import WorkCalendar
from scheduler.rules import Level, Rules
from services import audit, robots
from services.indicator_views import indicator_board
from services.ladder import reachable_items
from services.outbox import Attachment, Button, GroupRecipient, Outbox, RobotRecipient
from services.standing import OfficeDay, Standings
from storage import digest_queries as dq
from storage import people_queries, setting_queries
from storage.models import Item, Person
from storage.review import GroupChat, ReviewDecision, SignOffRequest
from storage.scheduling import Escalation

DIGEST_TIME = "digest_time"
DIGEST_UNTIL = "digest_until"
DEFAULT_DIGEST_TIME = time(8, 30)
DIGEST_KIND = "digest"
LONG_DIGEST_KIND = "digest_long"  # the digest too long for the chat: a note, and the list as a spreadsheet
# Longer than three Telegram messages, a digest is no longer read in the chat: it goes as a file instead.
LONG = 3 * TELEGRAM_LIMIT
WEEKLY_KIND = "digest_weekly"
GROUP_WEEKLY_KIND = "digest_group_weekly"
WEEKLY_KINDS = (WEEKLY_KIND, GROUP_WEEKLY_KIND)  # the chart follows these
FINAL = (ReviewDecision.APPROVE, ReviewDecision.RETURN)


# What of a reader their digest depends on: whether they see everything, and the units they supervise.
Reader = tuple[bool, frozenset[int]]


@dataclass(frozen=True)
class GroupChange:
    title: str | None
    already: bool


def viewer_of(person: Person) -> Viewer:
    assert person.telegram_user_id is not None
    return Viewer(
        person.telegram_user_id,
        person.id,
        person.name,
        person.locale,
        frozenset((role.role, role.unit_id) for role in person.roles),
    )


def item_buttons(renderer: Renderer, locale: str, numbers: Iterable[str]) -> list[Button]:
    """A button per item that opens its card."""
    return [Button(renderer.numbered(locale, "chat/digest/button", n), OpenItem(n).pack()) for n in numbers]


def first_working_day_of_week(today: date, calendar: WorkCalendar) -> bool:
    monday = today - timedelta(days=today.weekday())
    earlier = (monday + timedelta(days=n) for n in range(today.weekday()))
    return calendar.is_working_day(today) and not any(calendar.is_working_day(day) for day in earlier)


class DigestWindow:
    """What the digests of one window are made of, read once for all their readers: the items in plan
    order, each as a digest shows it (`shown`), and what happened to them in the window (the rows of
    `digest_queries`), grouped here by item. `digest(viewer)` picks the viewer's items and their activity
    without asking the store again."""

    def __init__(
        self,
        *,
        ledger: dq.DigestLedger,
        shown: Sequence[DigestItem],
        reports: Sequence[tuple[int, int | None]],
        evidence: Sequence[int],
        escalations: Sequence[Escalation],
        signed_off: Sequence[int],
        under_review: Sequence[tuple[SignOffRequest, set[int]]],
        office_day: OfficeDay,
    ) -> None:
        self.items = ledger.items
        self.shown = shown
        self._links = ledger.links
        self._office_day = office_day
        self._supervised: dict[int, list[int]] = {}  # supervising unit → positions of its items
        for position, item in enumerate(self.items):
            supervising = {
                unit for unit, role in ledger.links.get(item.id, ()) if role == UnitRole.SUPERVISING
            }
            for unit_id in supervising:
                self._supervised.setdefault(unit_id, []).append(position)
        self._reports: dict[int, list[int]] = {}
        for item_id, percent in reports:
            self._reports.setdefault(item_id, []).append(-1 if percent is None else percent)
        self._evidence = Counter(evidence)
        self._escalations: dict[int, list[Escalation]] = {}
        for escalation in escalations:  # oldest first: an item's reason is that of its latest highest level
            self._escalations.setdefault(escalation.item_id, []).append(escalation)
        self._signed_off = Counter(signed_off)
        self._digests: dict[Reader, Digest] = {}
        self._under_review: dict[int, list[set[int]]] = {}
        for request, decided in under_review:
            self._under_review.setdefault(request.item_id, []).append(decided)

    @staticmethod
    def reader_of(viewer: Viewer) -> Reader:
        """All of the viewer a digest depends on: readers alike (supervisors of the same units) get the
        same digest, made once."""
        return (viewer.sees_everything, viewer.unit_ids(Role.SUPERVISOR))

    def digest(self, viewer: Viewer) -> Digest:
        """What the viewer supervises (everything, for leadership and admins)."""
        reader = self.reader_of(viewer)
        if reader not in self._digests:
            self._digests[reader] = self._digest(*reader)
        return self._digests[reader]

    def _digest(self, sees_everything: bool, supervised: frozenset[int]) -> Digest:
        if sees_everything:
            positions: Iterable[int] = range(len(self.items))
        else:
            mine = {p for unit in supervised for p in self._supervised.get(unit, ())}
            positions = sorted(mine)
        items = [(self.items[p], self.shown[p]) for p in positions]
        number = {item.id: item.number for item, _ in items}
        escalations = [e for item, _ in items for e in self._escalations.get(item.id, [])]
        activity = Activity(
            reports=[
                (item.number, percent) for item, _ in items for percent in self._reports.get(item.id, [])
            ],
            evidence=[item.number for item, _ in items for _file in range(self._evidence[item.id])],
            escalations=[(number[e.item_id], e.level) for e in escalations],
            reasons=_reasons(number, escalations),
            waiting_review=[
                item.number
                for item, _ in items
                for decided in self._under_review.get(item.id, [])
                if sees_everything or reviewing_units(supervised, self._links.get(item.id, ()), decided)
            ],
            signed_off=[item.number for item, _ in items for _request in range(self._signed_off[item.id])],
        )
        return build_digest(
            [shown for _, shown in items], activity, self._office_day.today, self._office_day.period_start()
        )


class DigestService:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        clock: Clock,
        tz: ZoneInfo,
        renderer: Renderer,
        standings: Standings,
        chart: Callable[[], bytes] | None = None,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self._tz = tz
        self._renderer = renderer
        self._standings = standings
        self._chart = chart

    # --- on demand (/digest) ------------------------------------------------------------------------

    def digest_now(self, viewer: Viewer) -> Digest:
        """The viewer's digest as it stands now, since the previous digest (nothing is recorded)."""
        now = self._clock.now()
        with self._sessions() as session:
            office_day = self._standings.day(session, now.astimezone(self._tz).date())
            where = true() if viewer.sees_everything else dq.supervised_by(viewer.unit_ids(Role.SUPERVISOR))
            return self._window(session, where, self._since(session, now), now, office_day).digest(viewer)

    def weekly_now(self) -> WeeklySummary:
        with self._sessions() as session:
            office_day = self._standings.day(session)
            ledger = dq.items_for_digest(session, true())
            return weekly_summary(
                self._as_digest_items(session, ledger, office_day),
                office_day.today,
                indicator_board(session, office_day.today),
            )

    def weekly_chart(self) -> bytes | None:
        """The chart of progress by unit (PNG), when a chart renderer is wired."""
        if self._chart is None:
            return None
        return self._chart()

    # --- the office's work group (/group_here) ------------------------------------------------------

    def register_group(self, viewer: Viewer, chat_id: int, title: str | None) -> GroupChange:
        """Register a group chat as the office's work group (the handler refuses private chats)."""
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            group = session.get(GroupChat, chat_id)
            already = group is not None and group.active
            if group is None:
                group = GroupChat(chat_id=chat_id, registered_at=now)
                session.add(group)
            before = None if group.title is None else {"title": group.title, "active": group.active}
            group.title, group.active = title, True
            group.registered_by, group.registered_at = viewer.person_id, now
            audit.record(
                session, at=now, actor=viewer.actor, action="register_group",
                entity="group_chat", entity_id=chat_id, before=before, after={"title": title, "active": True},
            )  # fmt: skip
            return GroupChange(title, already)

    def unregister_group(self, viewer: Viewer, chat_id: int) -> GroupChange:
        now = self._clock.now()
        with self._sessions() as session, session.begin():
            group = session.get(GroupChat, chat_id)
            if group is None or not group.active:
                raise DubanError("digest/group_unknown")
            group.active = False
            audit.record(
                session, at=now, actor=viewer.actor, action="unregister_group",
                entity="group_chat", entity_id=chat_id, before={"active": True}, after={"active": False},
            )  # fmt: skip
            return GroupChange(group.title, False)

    # --- the daily rule -----------------------------------------------------------------------------

    def daily(
        self, session: Session, outbox: Outbox, today: date, calendar: WorkCalendar, rules: Rules
    ) -> int:
        """Queue the day's digests (working days only), the week's summary and the group's posts."""
        if not calendar.is_working_day(today):
            return 0
        now = self._clock.now()
        since = self._since(session, now)
        at = datetime.combine(today, self.digest_time(session), tzinfo=self._tz)
        # The office's work groups: on Telegram, and through their robots on WeCom, DingTalk and Feishu.
        groups: list[GroupRecipient | RobotRecipient] = [
            *(GroupRecipient(g.chat_id, DEFAULT_LOCALE) for g in dq.active_groups(session)),
            *robots.active_robots(session),
        ]
        queued = 0
        office_day = self._standings.day(session, today, rules=rules, calendar=calendar)
        supervisors = people_queries.people_with_role(session, Role.SUPERVISOR)
        weekly = first_working_day_of_week(today, calendar)
        # Every digest of the day and the week's summary from one reading of the ledger and the window: a
        # fixed number of statements however many supervisors and items.
        window = self._window(session, true(), since, now, office_day) if supervisors or weekly else None
        people = people_queries.persons(session, [p.person_id for p in supervisors])
        # Readers alike get the same digest: its text and buttons are made once per reader and language.
        made: dict[tuple[Reader, str], tuple[str, list[Button]]] = {}
        for recipient in supervisors:
            assert window is not None
            viewer = viewer_of(people[recipient.person_id])
            digest = window.digest(viewer)
            if digest.empty:
                continue
            reader = (window.reader_of(viewer), recipient.locale)
            if reader not in made:
                made[reader] = (
                    self._renderer.render(recipient.locale, f"notify/{DIGEST_KIND}", digest=digest),
                    item_buttons(self._renderer, recipient.locale, digest.numbers),
                )
            text, buttons = made[reader]
            key = f"dig:{recipient.person_id}:{today.isoformat()}"
            if utf16_length(text) > LONG:
                # Absurdly long in the chat: a short message says so and the whole list follows as a file.
                file_name = self._renderer.render(recipient.locale, "notify/digest_file_name", digest=digest)
                params = {
                    "digest": digest,
                    "file_name": file_name,
                    "labels": sheet_texts(self._renderer, recipient.locale, digest).headings,
                }
                sheet = Attachment(file_name, digest_workbook(digest, self._renderer, recipient.locale))
                outbox.add(
                    key,
                    recipient,
                    LONG_DIGEST_KIND,
                    params,
                    buttons=buttons,
                    not_before=at,
                    attachment=sheet,
                )
            else:
                outbox.add(
                    key,
                    recipient,
                    DIGEST_KIND,
                    {"digest": digest},
                    buttons=buttons,
                    not_before=at,
                    rendered=text,
                )
            queued += 1
        if weekly:
            assert window is not None
            summary = weekly_summary(window.shown, today, indicator_board(session, today))
            week = "{}-W{:02d}".format(*today.isocalendar()[:2])
            for person in people_queries.people_with_role(session, Role.LEADERSHIP):
                outbox.add(f"wk:{week}", person, WEEKLY_KIND, {"summary": summary}, not_before=at)
                queued += 1
            for group in groups:
                outbox.add(f"wk:{week}", group, GROUP_WEEKLY_KIND, {"summary": summary}, not_before=at)
                queued += 1
        queued += self._group_posts(session, outbox, groups, since, now, at)
        setting_queries.set_setting(session, DIGEST_UNTIL, now.isoformat())
        return queued

    def _group_posts(
        self,
        session: Session,
        outbox: Outbox,
        groups: Sequence[GroupRecipient | RobotRecipient],
        since: datetime,
        until: datetime,
        at: datetime,
    ) -> int:
        """The red notices issued and the sign-offs approved in the window, one post each, per group."""
        if not groups:
            return 0
        red = dq.escalations_at_level(session, int(Level.RED), since, until)
        signed = dq.signoffs_approved(session, since, until)
        posted = dq.items_for_digest(session, Item.id.in_({item_id for _, item_id in (*red, *signed)}))
        items = {item.id: item for item in posted.items}
        posts = [("red", row_id, items[item_id]) for row_id, item_id in red]
        posts += [("signoff", row_id, items[item_id]) for row_id, item_id in signed]
        for kind, row_id, item in posts:
            params = {"number": item.number, "title": item.title, "units": posted.responsible(item.id)}
            for group in groups:
                outbox.add(f"grp:{kind}:{row_id}", group, f"digest_group_{kind}", params, not_before=at)
        return len(posts) * len(groups)

    # --- reading ------------------------------------------------------------------------------------

    def digest_time(self, session: Session) -> time:
        value = setting_queries.setting(session, DIGEST_TIME)
        return time.fromisoformat(value) if value else DEFAULT_DIGEST_TIME

    def _since(self, session: Session, now: datetime) -> datetime:
        value = setting_queries.setting(session, DIGEST_UNTIL)
        return datetime.fromisoformat(value) if value else now - timedelta(days=1)

    def _today(self) -> date:
        return self._clock.now().astimezone(self._tz).date()

    def _window(
        self,
        session: Session,
        where: ColumnElement[bool],
        since: datetime,
        until: datetime,
        office_day: OfficeDay,
    ) -> DigestWindow:
        """The items matching `where` and what happened to them after `since`, up to `until`."""
        ledger = dq.items_for_digest(session, where)
        return DigestWindow(
            ledger=ledger,
            shown=self._as_digest_items(session, ledger, office_day),
            reports=dq.reports_within(session, where, since, until),
            evidence=dq.evidence_within(session, where, since, until),
            escalations=dq.escalations_within(session, where, since, until),
            signed_off=dq.signed_off_within(session, where, since, until),
            under_review=dq.requests_under_review(session, where, FINAL),
            office_day=office_day,
        )

    def _as_digest_items(
        self, session: Session, ledger: dq.DigestLedger, office_day: OfficeDay
    ) -> list[DigestItem]:
        items = ledger.items
        standings = self._standings.of(session, items, office_day)
        reachable = reachable_items(session, [item.id for item in items])
        return [
            DigestItem(
                number=item.number,
                title=item.title,
                units=ledger.responsible(item.id),
                status=standings[item.id].status,
                percent=item.percent,
                deadline=item.deadline,
                last_report=standings[item.id].last_report,
                kind=item.kind,
                days_overdue=standings[item.id].days_overdue,
                stalled=standings[item.id].stalled,
                unreached=is_chased(standings[item.id].status) and item.id not in reachable,
            )
            for item in items
        ]


def _reasons(
    number: dict[int, str], escalations: Sequence[Escalation]
) -> dict[str, tuple[str, Sequence[dict[str, Any]]]]:
    """Each item's highest level in the window, with its reason and conditions."""
    found: dict[str, tuple[int, str, Sequence[dict[str, Any]]]] = {}
    for e in escalations:
        key = number[e.item_id]
        if key not in found or e.level >= found[key][0]:
            found[key] = (e.level, e.reason, e.facts or [])
    return {key: (reason, facts) for key, (_level, reason, facts) in found.items()}
