"""Shared widgets: quote tiles, stale badges, the scene frame, the navigation bar."""
