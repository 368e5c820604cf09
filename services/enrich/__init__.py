"""enrich: adds what an analyst needs and emits enriched events (consumer group `enrich`)."""
