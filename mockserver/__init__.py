"""mockserver: a faithful local stand-in for the Anthropic Messages API."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
