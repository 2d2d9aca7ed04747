"""Telegram as one chat adapter: updates become `handlers.chat.Inbound` events, the handlers' routes are
registered with python-telegram-bot, and `handlers.chat.ChatPort` is implemented with the Bot API."""
