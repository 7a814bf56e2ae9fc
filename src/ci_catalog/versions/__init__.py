"""Catalog versions: release tags, resolving component references, pinning, diffs and release checks."""
