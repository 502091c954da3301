"""Failures on purpose: injected faults and per-key rate limits."""
