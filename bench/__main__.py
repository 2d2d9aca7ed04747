"""Run every benchmark, or those named (`python -m bench tick sender --messages 5000`), and print figures.

Names come first; the options after them go to each bench run (a bench ignores those it does not know).
"""

import sys
from collections.abc import Callable
from itertools import takewhile

from bench import busy_day, chat_load, fairness, import_ledger, sender, tick

BENCHES: dict[str, Callable[[], object]] = {
    "import_ledger": import_ledger.main,
    "chat_load": chat_load.main,
    "tick": tick.main,
    "sender": sender.main,
    "fairness": fairness.main,
    "busy_day": busy_day.main,
}

names = list(takewhile(lambda arg: not arg.startswith("-"), sys.argv[1:]))
unknown = [name for name in names if name not in BENCHES]
if unknown:
    sys.exit(f"no bench named {', '.join(unknown)}; the benches: {', '.join(BENCHES)}")
for name in names or BENCHES:
    BENCHES[name]()
