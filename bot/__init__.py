"""Wiring, configuration, command line and Telegram transport of Duban."""
