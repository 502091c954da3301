"""A Message on the wire: its SSE events, their schedule, JSON or stream rendering."""
