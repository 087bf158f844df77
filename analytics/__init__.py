"""Reporting on IBM Video Streaming's Analytics API: API client, demo API and dashboard."""

__version__ = "0.1.0"
