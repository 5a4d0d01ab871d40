"""API tokens and outgoing webhooks (filled in by the JSON API work)."""
