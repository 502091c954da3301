"""The inspector page at /_mock/ui: what clients sent and how it was answered."""
