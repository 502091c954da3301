"""What the model says: scenarios, their steps and matchers, loading them, the default reply."""
