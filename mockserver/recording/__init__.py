"""Proxy mode and recording: forward requests to a real upstream, write what it answered as
scenario YAML, and replay that recording offline under vcrpy-style record modes.

- `modes`: which requests are replayed and which forwarded, per record mode;
- `redaction`: what never reaches a written file;
- `proxy`: forwarding one request and passing its answer through as it arrives;
- `derive`: a step's match and reply from a recorded request and answer;
- `cassette`: the recorded conversations, written as scenario files;
- `recorder`: the request path when an upstream is set.
"""
