"""The Messages door: POST /v1/messages and count_tokens, stage by stage, and their envelope."""
