"""Application services: what a command does, in one transaction, audited; called by the CLI and handlers."""
