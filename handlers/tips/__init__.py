"""tips."""
