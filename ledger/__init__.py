"""The ledger (整改台账) as plain data: items, their parsing from plans and spreadsheets, and their rules.

Nothing in this package touches Telegram, a database session or the clock.
"""
