"""`duban demo`: the whole job, offline, in a folder of its own (what `make run` shows without a token)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.config import Settings
from bot.wiring import build_services
from ledger.importer import parse_ledger_file
from ledger.xlsx import write_ledger
from storage.db import create_db_engine, upgrade

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "samples" / "jiayuguan-2020-rectification-plan.txt"


def run_demo(settings: Settings, folder: Path, say: Callable[[str, dict[str, object]], None]) -> Path:
    """Import the Jiayuguan plan into a fresh store in `folder` and export its ledger; returns the workbook."""
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("demo.db*"):
        stale.unlink()
    demo_settings = settings.model_copy(
        update={"database_url": f"sqlite:///{(folder / 'demo.db').resolve()}", "data_dir": folder}
    )
    engine = create_db_engine(demo_settings.effective_database_url)
    upgrade(engine)
    engine.dispose()
    services = build_services(demo_settings)
    try:
        today = services.clock.now().astimezone(settings.tz).date()
        parsed = parse_ledger_file(SAMPLE, default_start=today)
        outcome = services.ledger.import_ledger(parsed, actor="demo", dry_run=False)
        say(
            "cli/demo_imported",
            {"path": SAMPLE.name, "items": len(outcome.changes), "units": outcome.new_units},
        )
        rows = services.ledger.rows()
        label = services.renderer.label
        say(
            "cli/items_table",
            {"rows": [(row, label(settings.locale, "status", row.status.value)) for row in rows]},
        )
        workbook = folder / "ledger.xlsx"
        write_ledger(
            workbook,
            rows,
            sheet_title=services.renderer.render("zh_CN", "cli/ledger_sheet_title"),
            status_label=lambda status: label("zh_CN", "status", status.value),
        )
        say("cli/demo_done", {"folder": str(folder), "workbook": str(workbook)})
        return workbook
    finally:
        services.close()
