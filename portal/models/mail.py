"""Inbound mail kept raw before parsing (filled in by the email channel work)."""
