"""Newsline: an event-sourced backend for news timelines."""

__version__ = "0.2.0"
