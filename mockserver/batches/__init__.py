"""Message Batches: `/v1/messages/batches` and its results, on the server's clock.

store.py holds batches and says where each stands at a moment; create.py reads and checks
a create body; process.py runs each request through the Messages pipeline; routes.py
answers the endpoints.
"""
