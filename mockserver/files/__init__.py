"""The Files API: uploads kept per API key, and the requests that refer to them."""
