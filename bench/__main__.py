"""Run every benchmark and print its figures."""

from bench import import_ledger

import_ledger.main()
