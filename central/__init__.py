"""The central service: the store every kiosk syncs into, its API and its commands."""
