"""editing layer."""
