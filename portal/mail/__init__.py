"""The email channel: delivery of the outbox, inbound mail to case timelines."""
