"""Tests for the email channel: real SMTP (aiosmtpd) and real .eml messages."""
