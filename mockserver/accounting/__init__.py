"""What a request costs and how a reply ends: tokens, media, the prompt cache, usage."""
