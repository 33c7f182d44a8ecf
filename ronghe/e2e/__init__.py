"""Browser journeys: Debian's chromium through Playwright against pytest-django's live server."""
