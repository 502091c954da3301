"""The admin API under /_mock/: what a test does to a running server, over HTTP."""
