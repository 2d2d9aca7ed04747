"""The `duban` command line."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from tqdm import tqdm

from bot.config import DEFAULT_TIMEZONE, Settings, SettingsError, load_settings
from bot.demo import DemoInputError, run_demo
from bot.run import DEFAULT_LISTEN, parse_listen, serve
from bot.simulate import EmptyLedgerError, SimulationInputError, read_options, simulate
from bot.wiring import build, build_renderer
from ledger.actor import CLI
from ledger.columns import LEDGER_COLUMNS
from ledger.complaints import parse_complaint_file
from ledger.dates import read_date
from ledger.errors import DubanError
from ledger.importer import parse_ledger_file
from ledger.indicator_import import TEMPLATE_TITLES
from ledger.indicator_value_sheet import VALUE_COLUMNS, parse_value_sheet, template_rows
from ledger.indicators import IndicatorSpec
from ledger.model import ImportNote, ItemSpec, LedgerRow, Measure, ParsedLedger, Role, Target
from ledger.reporting import parse_month
from ledger.robots import platform_of, robot_address
from ledger.roster import parse_role, parse_roster
from ledger.status import count_statuses
from ledger.xlsx import write_indicator_template, write_template, write_value_template
from messages.render import Renderer, normalize_locale
from services.container import Services
from services.import_summary import import_summary_params
from services.invites import invite_row, write_invites_workbook
from services.ledger import ImportOutcome, spec_record
from storage.db import DatabaseNotMigratedError, create_db_engine, upgrade


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="duban", description="Duban (督办): the rectification ledger bot")
    commands = parser.add_subparsers(dest="command", required=True)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="create or migrate the database")

    imp = commands.add_parser("import", help="import a plan (.txt/.docx/.pdf) or a ledger (.xlsx/.xls/.csv)")
    imp.add_argument("path", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="show what would change, change nothing")
    imp.add_argument("--json", action="store_true", help="print one JSON document")
    imp.add_argument("--start", help="start date when the file gives none (2020-12-16, 2020年12月16日 …)")

    exp = commands.add_parser("export", help="write the ledger workbook (.xlsx)")
    exp.add_argument("path", type=Path)
    exp.add_argument("--template", action="store_true", help="write the blank import template instead")
    exp.add_argument("--by-unit", action="store_true", help="add a sheet per unit")
    exp.add_argument(
        "--indicator-template",
        action="store_true",
        help="write the indicator ledger (指标台账) as its import template instead",
    )

    exp.add_argument(
        "--values-template",
        action="store_true",
        help="write the spreadsheet of indicator values (指标数值表) to fill in and import-values instead",
    )
    values = commands.add_parser(
        "import-values", help="import a spreadsheet of indicator values (指标数值表, .xlsx/.xls/.csv)"
    )
    values.add_argument("path", type=Path)
    values.add_argument("--dry-run", action="store_true", help="list what would be recorded, change nothing")

    items = commands.add_parser("items", help="list items")
    items.add_argument("--json", action="store_true")
    items.add_argument("--unit")
    items.add_argument("--overdue", action="store_true")

    units = commands.add_parser("units", help="list units, or add one")
    units_sub = units.add_subparsers(dest="units_command")
    units_sub.add_parser("add", help="add a unit").add_argument("name")
    merge = units_sub.add_parser("merge", help="merge unit A into unit B (people, items, history move to B)")
    merge.add_argument("source", metavar="A")
    merge.add_argument("target", metavar="B")

    robots = commands.add_parser(
        "robots", help="the work groups' robots on WeCom, DingTalk, Feishu (群机器人): list, add, stop"
    )
    robots_sub = robots.add_subparsers(dest="robots_command")
    robot_add = robots_sub.add_parser("add", help="register a robot; its first post goes when the bot runs")
    robot_add.add_argument("platform", help="wecom, dingtalk or feishu (企业微信, 钉钉, 飞书)")
    robot_add.add_argument("webhook", help="the robot's webhook address, as the group's settings show it")
    robot_add.add_argument("--secret", help="the robot's signing secret (加签), when it has one")
    robot_add.add_argument("--name", help="what the office calls the group")
    robots_sub.add_parser("stop", help="stop posting to a robot").add_argument("id", type=int)

    people = commands.add_parser("people", help="the roster").add_subparsers(
        dest="people_command", required=True
    )
    people_list = people.add_parser("list", help="list people")
    people_list.add_argument("--json", action="store_true")
    add = people.add_parser("add", help="add a person; prints their one-time invite code")
    add.add_argument("name")
    add.add_argument("--unit")
    add.add_argument("--role", required=True)
    add.add_argument("--telegram-id", type=int)
    add.add_argument("--phone")
    add.add_argument("--json", action="store_true")
    roster = people.add_parser("import", help="import a roster (.csv/.xlsx)")
    roster.add_argument("path", type=Path)
    roster.add_argument("--dry-run", action="store_true")
    invites = people.add_parser(
        "invites", help="write the invites (code, link, QR code) of people not yet bound"
    )
    invites.add_argument("path", type=Path)
    run = commands.add_parser(
        "run", help="run the bot (long polling, or behind a webhook) until SIGTERM/SIGINT"
    )
    run.add_argument("--webhook", metavar="URL", help="public HTTPS URL Telegram posts updates to")
    run.add_argument(
        "--listen",
        metavar="HOST:PORT",
        type=parse_listen,
        help="where the webhook server listens (127.0.0.1:8443)",
    )
    demo = commands.add_parser("demo", help="show the whole job offline, in a folder of its own")
    demo.add_argument("--out", type=Path, default=None, help="folder for the demo (default DATA_DIR/demo)")
    demo.add_argument("--lang", choices=("zh", "en"), default=None, help="language of the transcript")
    sim = commands.add_parser(
        "simulate", help="run the rules over virtual days on a copy of the store; print the timeline"
    )
    sim.add_argument("--start", required=True, metavar="YYYY-MM-DD", help="first simulated day")
    sim.add_argument("--days", required=True, metavar="N", help="how many days to simulate")
    sim.add_argument("--json", action="store_true", help="one JSON object per line, the summary last")
    sim.add_argument("--answer-rate", default="0.5", metavar="R", help="chance an officer answers (0..1)")
    sim.add_argument("--seed", default="0", metavar="S", help="seed of the simulated officers' chance")
    complaints = commands.add_parser("complaints", help="public complaints (群众举报件)").add_subparsers(
        dest="complaints_command", required=True
    )
    complaints_import = complaints.add_parser("import", help="import complaints (.xlsx/.csv)")
    complaints_import.add_argument("path", type=Path)
    complaints_import.add_argument(
        "--dry-run", action="store_true", help="show what would change, change nothing"
    )
    dossier = commands.add_parser(
        "dossier",
        help="an item's sign-off dossier (销号材料, .zip: report, opinions, evidence and its index)",
    )
    dossier.add_argument("number", metavar="N")
    dossier.add_argument("--out", type=Path, default=None, help="the .zip to write (default: its own name)")
    report = commands.add_parser("report", help="write a report").add_subparsers(
        dest="report_command", required=True
    )
    report_month = report.add_parser("month", help="the month's dispatch notice (调度通报, .docx)")
    report_month.add_argument("month", metavar="YYYY-MM")
    report_month.add_argument("path", type=Path)
    report_public = report.add_parser("public", help="the public disclosure page (信息公开, .html)")
    report_public.add_argument("path", type=Path)
    report_chart = report.add_parser("chart", help="the progress chart by unit (.png)")
    report_chart.add_argument("path", type=Path)
    report_chart.add_argument(
        "--by-progress",
        action="store_true",
        help="units from the least advanced (default: the office's order)",
    )
    return parser


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal, nothing when piped."""
    with tqdm(total=total, disable=not (enabled and sys.stderr.isatty()), unit="项", leave=False) as bar:

        def advance(done: int) -> None:
            bar.update(done)

        yield advance


class Cli:
    def __init__(self, settings: Settings, out: Callable[[str], None]) -> None:
        self.settings = settings
        self.locale: str = settings.locale
        self.renderer = build_renderer(settings.tz)
        self._out = out

    def say(self, key: str, **params: Any) -> None:
        self._out(self.renderer.render(self.locale, key, params))

    def services(self) -> Services:
        return build(self.settings).services

    def run(self, args: argparse.Namespace) -> int:
        handler = getattr(self, f"cmd_{args.command.replace('-', '_')}")
        result: int = handler(args)
        return result

    def cmd_run(self, args: argparse.Namespace) -> int:
        if args.listen is not None and args.webhook is None:
            raise DubanError("listen_needs_webhook")
        return serve(
            self.settings,
            webhook_url=args.webhook,
            listen=args.listen or DEFAULT_LISTEN,
            say=lambda key, params: self.say(key, **params),
            complain=lambda key, params: print(
                self.renderer.render(self.locale, key, params), file=sys.stderr
            ),
        )

    def cmd_demo(self, args: argparse.Namespace) -> int:
        folder = args.out or self.settings.data_dir / "demo"
        if args.lang is not None:
            self.locale = normalize_locale(args.lang)
        try:
            run_demo(self.settings, folder, lambda key, params: self.say(key, **params), self.locale)
        except DemoInputError as error:
            params = {"path": str(error.path), "reason": error.reason}
            print(self.renderer.render(self.locale, "cli/demo_input_missing", params), file=sys.stderr)
            return 2
        return 0

    def cmd_simulate(self, args: argparse.Namespace) -> int:
        try:
            options = read_options(args.start, args.days, args.answer_rate, args.seed)
        except SimulationInputError as error:
            params = {"option": error.option, "value": error.value}
            print(self.renderer.render(self.locale, "cli/simulate_bad_argument", params), file=sys.stderr)
            return 2
        try:
            timeline = simulate(self.settings, options)
        except EmptyLedgerError:
            print(self.renderer.render(self.locale, "cli/simulate_empty"), file=sys.stderr)
            return 1
        if args.json:
            for event in timeline.events:
                self._out(json.dumps(event.as_json(), ensure_ascii=False))
            self._out(json.dumps({"summary": timeline.summary()}, ensure_ascii=False))
        else:
            self.say("cli/simulate_timeline", events=timeline.events, summary=timeline.summary())
        return 0

    def cmd_db(self, args: argparse.Namespace) -> int:
        engine = create_db_engine(self.settings.effective_database_url)
        try:
            before, after = upgrade(engine)
        finally:
            engine.dispose()
        self.say("cli/db_upgraded", before=before, after=after)
        return 0

    def cmd_import(self, args: argparse.Namespace) -> int:
        try:
            services = self.services()
        except DatabaseNotMigratedError as exc:
            if not args.json:
                raise
            # `--json` prints one JSON document whatever happens: the refusal is its error.
            params = (("current", str(exc.current)), ("head", str(exc.head)))
            refused = ImportOutcome(errors=[ImportNote("not_migrated", params=params)])
            self._out(json.dumps(self._import_json([], refused), ensure_ascii=False, indent=2))
            return 2
        try:
            today = services.office.today()
            start = read_date(args.start, today) if args.start else today
            if start is None:
                parsed = ParsedLedger(
                    errors=[ImportNote("bad_date", field="start", params=(("text", args.start[:40]),))]
                )
            else:
                parsed = parse_ledger_file(args.path, default_start=start)
            with _progress(len(parsed.items), not args.json) as progress:
                outcome = services.ledger.import_ledger(
                    parsed, actor=CLI, dry_run=args.dry_run, progress=progress
                )
        finally:
            services.close()
        if args.json:
            document = self._import_json(parsed.items, outcome, parsed.indicators)
            self._out(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            self._import_text(args.path, outcome, dry_run=args.dry_run)
        return 1 if outcome.errors else 0

    def _import_json(
        self, specs: Sequence[Any], outcome: ImportOutcome, indicators: Sequence[IndicatorSpec] = ()
    ) -> dict[str, Any]:
        keys = (
            "number", "title", "problem", "start", "deadline", "continuing", "targets", "lead_units",
            "responsible_units", "supervising_units", "responsible_leader", "responsible_person", "measures",
        )  # fmt: skip
        items = []
        for spec in specs:
            record = spec_record(spec)
            items.append({key: record[key] for key in keys})
        note = self.renderer.note
        return {
            "items": items,
            "indicators": [{key: i.record()[key] for key in _INDICATOR_JSON_KEYS} for i in indicators],
            "warnings": [note(self.locale, n) for n in outcome.warnings],
            "errors": [note(self.locale, n) for n in outcome.errors],
            "summary": {
                "read": outcome.read,
                "imported": len(outcome.changes),
                "merged": [note(self.locale, n) for n in outcome.merged],
                "skipped": [note(self.locale, n) for n in outcome.skipped],
                "unassigned": outcome.unassigned,
                "kept_extensions": [kept.record() for kept in outcome.kept_extensions],
                "indicators": len(outcome.indicator_changes),
            },
        }

    def _import_text(self, path: Path, outcome: ImportOutcome, *, dry_run: bool) -> None:
        self.say(
            "cli/import_summary",
            path=str(path),
            dry_run=dry_run,
            **import_summary_params(self.renderer, self.locale, outcome),
        )

    def cmd_export(self, args: argparse.Namespace) -> int:
        if args.indicator_template:
            return self._indicator_template(args.path)
        if args.values_template:
            return self._values_template(args.path)
        if args.template:
            write_template(
                args.path,
                sheet_title=self.renderer.render(self.locale, "cli/ledger_sheet_title"),
                example=_template_example(),
                notes=_template_notes(self.renderer),
            )
            self.say("cli/template_written", path=str(args.path))
            return 0
        services = self.services()
        try:
            total = len(services.ledger.rows())
            with _progress(total, True) as progress:
                count = services.ledger_files.write(args.path, by_unit=args.by_unit, progress=progress)
        finally:
            services.close()
        self.say("cli/export_written", path=str(args.path), count=count)
        return 0

    def cmd_items(self, args: argparse.Namespace) -> int:
        services = self.services()
        try:
            rows = services.ledger.rows(unit_name=args.unit, overdue_only=args.overdue)
        finally:
            services.close()
        if args.json:
            self._out(json.dumps([_row_json(row) for row in rows], ensure_ascii=False, indent=2))
        else:
            self.say(
                "cli/items_table",
                rows=[(row, self.renderer.label(self.locale, "status", row.status.value)) for row in rows],
                counts=count_statuses(row.status for row in rows),
            )
        return 0

    def cmd_units(self, args: argparse.Namespace) -> int:
        services = self.services()
        try:
            if args.units_command == "add":
                unit = services.roster.add_unit(args.name, actor=CLI)
                self.say("cli/unit_added", name=unit.name)
            elif args.units_command == "merge":
                merged = services.units.merge(args.source, args.target, actor=CLI)
                self.say("cli/units_merged", merged=merged)
            else:
                self.say("cli/units_table", units=services.roster.units())
        finally:
            services.close()
        return 0

    def cmd_robots(self, args: argparse.Namespace) -> int:
        services = self.services()
        try:
            if args.robots_command == "add":
                address = robot_address(platform_of(args.platform), args.webhook, args.secret)
                name = args.name or self.renderer.render(self.locale, "chat/robot/default_name")
                robot = services.robots.register(address, name, actor=CLI, person_id=None)
                self.say("cli/robot_registered", robot=robot)
            elif args.robots_command == "stop":
                self.say("chat/robot/stopped", robot=services.robots.stop(args.id, actor=CLI))
            else:
                self.say("cli/robots_table", robots=services.robots.robots())
        finally:
            services.close()
        return 0

    def cmd_complaints(self, args: argparse.Namespace) -> int:
        """`duban complaints import PATH [--dry-run]` (the only subcommand)."""
        services = self.services()
        try:
            today = services.office.today()
            parsed = parse_complaint_file(args.path, default_received=today)
            outcome = services.complaints.import_complaints(parsed, actor=CLI, dry_run=args.dry_run)
        finally:
            services.close()
        self.say(
            "cli/complaints_summary",
            outcome=outcome,
            dry_run=args.dry_run,
            errors=[self.renderer.note(self.locale, n) for n in outcome.errors],
            warnings=[self.renderer.note(self.locale, n) for n in outcome.warnings],
        )
        return 1 if outcome.errors else 0

    def cmd_dossier(self, args: argparse.Namespace) -> int:
        """`duban dossier N [--out FILE]`: the zip is made in memory first, so that a refusal (no such item,
        no request) leaves no file behind and an existing one untouched."""
        services = self.services()
        try:
            buffer = io.BytesIO()
            written = services.dossiers.write(buffer, args.number, self.locale)
        finally:
            services.close()
        path = args.out or Path(written.file_name)
        path.write_bytes(buffer.getvalue())
        self.say("cli/dossier_written", path=str(path), written=written)
        return 0

    def cmd_report(self, args: argparse.Namespace) -> int:
        """`duban report month YYYY-MM PATH.docx`, `duban report public PATH.html`, `duban report chart PATH.png`."""
        services = self.services()
        try:
            getattr(self, f"_report_{args.report_command}")(services, args)
        finally:
            services.close()
        return 0

    def _report_month(self, services: Services, args: argparse.Namespace) -> None:
        month = parse_month(args.month)
        if month is None:
            raise DubanError("bad_month", value=args.month)
        report, data = services.reporting.month_notice(month, self.locale)
        args.path.write_bytes(data)
        self.say("cli/report_month_written", path=str(args.path), report=report)

    def _report_chart(self, services: Services, args: argparse.Namespace) -> None:
        args.path.write_bytes(services.reporting.chart(self.locale, ordered_by_progress=args.by_progress))
        self.say("cli/chart_written", path=str(args.path))

    def _report_public(self, services: Services, args: argparse.Namespace) -> None:
        report, page = services.reporting.public_page(self.locale)
        args.path.write_text(page, encoding="utf-8")
        self.say("cli/report_public_written", path=str(args.path), report=report)

    def cmd_people(self, args: argparse.Namespace) -> int:
        services = self.services()
        try:
            return int(getattr(self, f"_people_{args.people_command}")(services, args))
        finally:
            services.close()

    def _people_list(self, services: Services, args: argparse.Namespace) -> int:
        people = services.roster.people()
        if args.json:
            data = [
                {
                    "id": p.id,
                    "name": p.name,
                    "telegram_user_id": p.telegram_user_id,
                    "active": p.active,
                    "invite_code": p.invite_code,
                    "roles": [{"role": r.role.value, "unit": r.unit} for r in p.roles],
                }
                for p in people
            ]
            self._out(json.dumps(data, ensure_ascii=False, indent=2))
        else:
            self.say("cli/people_table", people=people, role_label=self._role_label)
        return 0

    def _role_label(self, role: Role) -> str:
        return self.renderer.label(self.locale, "role", role.value)

    def _people_add(self, services: Services, args: argparse.Namespace) -> int:
        role = parse_role(args.role)
        if role is None:
            raise DubanError("unknown_role", role=args.role)
        person = services.roster.add_person(
            args.name,
            unit=args.unit,
            role=role,
            actor=CLI,
            telegram_user_id=args.telegram_id,
            phone=args.phone,
        )
        if args.json:
            self._out(json.dumps({"id": person.id, "invite_code": person.invite_code}, ensure_ascii=False))
        else:
            self.say("cli/person_added", person=person, role=self._role_label(role), unit=args.unit)
        return 0

    def _people_import(self, services: Services, args: argparse.Namespace) -> int:
        outcome = services.roster.import_roster(parse_roster(args.path), actor=CLI, dry_run=args.dry_run)
        self.say(
            "cli/roster_summary",
            outcome=outcome,
            dry_run=args.dry_run,
            errors=[self.renderer.note(self.locale, n) for n in outcome.errors],
        )
        return 1 if outcome.errors else 0

    def _people_invites(self, services: Services, args: argparse.Namespace) -> int:
        username = self.settings.bot_username
        if not username:
            raise DubanError("bot_username_needed")
        title, *headers = self.renderer.render(self.locale, "cli/invites_sheet").splitlines()
        rows = [invite_row(p, username, self._role_label) for p in services.roster.unbound_people()]
        count = write_invites_workbook(args.path, rows, title=title, headers=headers)
        self.say("cli/invites_written", path=str(args.path), count=count)
        return 0

    def _indicator_template(self, path: Path) -> int:
        """The indicator ledger as its import template: importing it back changes nothing."""
        services = self.services()
        try:
            indicators = services.ledger.indicators()
        finally:
            services.close()
        write_indicator_template(
            path,
            sheet_title=self.renderer.render("zh_CN", "cli/indicator_sheet_title"),
            indicators=indicators,
            notes=self._column_help("indicator_column_help", TEMPLATE_TITLES.items()),
        )
        self.say("cli/indicator_template_written", path=str(path), count=len(indicators))
        return 0

    def _values_template(self, path: Path) -> int:
        """The spreadsheet of indicator values: each indicator with the last period ended, to fill in."""
        services = self.services()
        try:
            indicators = services.ledger.indicators()
            today = services.office.today()
        finally:
            services.close()
        write_value_template(
            path,
            sheet_title=self.renderer.render("zh_CN", "cli/values_sheet_title"),
            rows=template_rows([(i.name, i.frequency) for i in indicators], today),
            notes=self._column_help(
                "value_column_help", ((key, names[0]) for key, names in VALUE_COLUMNS.items())
            ),
        )
        self.say("cli/values_template_written", path=str(path), count=len(indicators))
        return 0

    def _column_help(self, kind: str, titles: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """A template's notes: each column's title with what to write in it, in Chinese then English (the
        `kind` labels of `_labels.j2`, by column key)."""
        label = self.renderer.label
        return [(title, f"{label('zh_CN', kind, key)}\n{label('en', kind, key)}") for key, title in titles]

    def cmd_import_values(self, args: argparse.Namespace) -> int:
        """`duban import-values PATH [--dry-run]`: every row checked as /value checks it; one bad row
        refuses the whole file and nothing changes."""
        services = self.services()
        try:
            outcome = services.indicators.import_values(
                parse_value_sheet(args.path), actor=CLI, dry_run=args.dry_run
            )
        finally:
            services.close()
        refused = [
            self.renderer.render(
                self.locale, "import/values/refused", location_line=None, location_row=r.row, item=None,
                field=None, reason=self.renderer.render(self.locale, f"errors/{r.code}", r.params),
            )
            for r in outcome.refused
        ]  # fmt: skip
        self.say(
            "cli/values_summary",
            outcome=outcome,
            errors=[self.renderer.note(self.locale, n) for n in outcome.errors] + refused,
            warnings=[self.renderer.note(self.locale, n) for n in outcome.warnings],
        )
        return 0 if outcome.ok else 1


# The fields of an indicator that `duban import --dry-run --json` lists.
_INDICATOR_JSON_KEYS: Final = (
    "name", "unit", "attribute", "direction", "baseline", "baseline_year", "target", "target_year", "category",
)  # fmt: skip


def _row_json(row: LedgerRow) -> dict[str, Any]:
    record = spec_record(row.spec)
    record.update(
        status=row.status.value,
        percent=row.percent,
        days_overdue=row.days_overdue,
        last_report=row.last_report.isoformat() if row.last_report else None,
        evidence_count=row.evidence_count,
    )
    return record


def _template_example() -> ItemSpec:
    return ItemSpec(
        number="1",
        title="示例：污水处理厂提标改造进展缓慢",
        problem="示例：全市污水处理厂提标改造进展缓慢，出水水质未达到一级A标准。",
        start=date(2026, 1, 1),
        category="第一类例行督察指出问题",
        targets=[Target("完成污水处理厂提标改造", date(2026, 12, 31))],
        deadline_text="2026年12月底前",
        responsible_units=["市住建局", "市生态环境局"],
        responsible_leader="市住建局主要领导",
        responsible_person="市住建局分管领导",
        supervising_units=["市生态环境保护督察整改办公室"],
        measures=[
            Measure("倒排工期，按节点推进项目建设", date(2026, 6, 30)),
            Measure("开展出水水质监测评估"),
        ],
    )


def _template_notes(renderer: Renderer) -> list[tuple[str, str]]:
    return [
        (
            f"{c.zh} / {c.en}",
            f"{renderer.label('zh_CN', 'column_help', c.key)}\n{renderer.label('en', 'column_help', c.key)}",
        )
        for c in LEDGER_COLUMNS
        if c.importable
    ]


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        # The locale setting itself may be what is wrong, so this one line is in the default language.
        renderer = build_renderer(ZoneInfo(DEFAULT_TIMEZONE))
        print(renderer.render("zh_CN", "cli/settings_error", line=str(exc)), file=sys.stderr)
        return 2
    cli = Cli(settings, print)
    try:
        return cli.run(args)
    except DatabaseNotMigratedError as exc:
        print(
            cli.renderer.render(cli.locale, "cli/not_migrated", current=exc.current, head=exc.head),
            file=sys.stderr,
        )
        return 2
    except DubanError as exc:
        print(cli.renderer.render(cli.locale, f"errors/{exc.code}", exc.params), file=sys.stderr)
        return 1
