"""Newsline: an event-sourced backend for news timelines."""

__version__ = "0.1.0"
