"""`mockserver --workers N`: N processes serving one port, each API key kept on one of them.

`supervisor` starts the workers and stops them; `front` accepts the connections, `peek` reads
a connection's first request head without taking it, `routing` picks the worker by the key,
`handoff` passes the socket to it; `child` is a worker process, `fanout` makes its admin API
act on every worker, `merge` and `merge_report` join what the workers answer.
"""
