"""The live page of the feed (issue 14): a Starlette app that reads articles:enriched, the database and the
dead letters, and serves the page in static/. Reads only; the requeue button (NEWSWIRE_WEB_ADMIN) excepted."""
