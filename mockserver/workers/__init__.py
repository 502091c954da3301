"""`mockserver --workers N`: N processes serving one port, each API key's traffic on one of
them, admin calls applied to all, what they journaled read as one.

`supervisor` starts the workers (`child`, told who it is by `setup_env`) and stops them;
`front` accepts each connection, `peek` reads its first request head without taking it,
`routing` picks the worker by the API key, `handoff` passes the socket there; `forward`
passes on a request whose key belongs to another worker. A worker's admin API acts on every
worker (`fanout`, through `peers` to each one's `private` app); `merge`, `merge_report` and
`inspector` join what they answer.
"""
