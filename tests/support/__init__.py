"""Reusable test helpers (validation of rendered Kubernetes objects, Pulumi mocks)."""
