"""Helpers the test suites share: starting real servers on free loopback ports."""
