"""Run every benchmark and print its figures."""

from bench import chat_load, import_ledger

import_ledger.main()
chat_load.main()
