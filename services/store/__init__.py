"""store: parses raw articles and persists them once each (consumer group `store`)."""
