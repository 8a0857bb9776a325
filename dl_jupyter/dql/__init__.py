"""dql layer."""
