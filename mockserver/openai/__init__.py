"""The OpenAI-compatible door: POST /v1/chat/completions over the Messages pipeline.

A request is converted to a Messages request (request.py), answered by the same stages as
/v1/messages (validation, scenarios, accounting, faults, limits, journal), and the Message
converted back (response.py, chunks.py); errors go out in OpenAI's envelope (errors.py).
"""
