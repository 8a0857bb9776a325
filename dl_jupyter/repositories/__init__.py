"""repositories layer."""
