"""Notifications: in-app, email and webhooks, each user choosing per event type and channel."""
