"""Corridor Tracker: the status of strategic corridors, roads and border crossings from the news."""

__version__ = "0.1.0"
USER_AGENT = f"CorridorTracker/{__version__} (+https://github.com/corridor-tracker/corridor-tracker)"
