"""Verdiepen: live workshops run by a session lead."""
