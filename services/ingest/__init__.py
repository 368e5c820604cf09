"""ingest: watches the inbox and publishes each new file once to articles:raw."""
