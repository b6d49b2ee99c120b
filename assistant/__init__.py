"""Cadence: a self-hostable coaching and review assistant for e-commerce teams."""

__version__ = "0.1.0"
