"""The database: SQLModel tables, engine set-up and migrations, shared by store and enrich."""
