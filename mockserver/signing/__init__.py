"""Thinking signatures: minted for the blocks this server returns, checked when sent back."""
