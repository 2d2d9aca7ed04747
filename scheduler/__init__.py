"""Reminder, dispatch and escalation rules, the work calendar, the tick and the outbox sender."""
