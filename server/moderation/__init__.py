"""Moderation: flags, automatic screening, facilitator actions, the queue and the audit log."""
