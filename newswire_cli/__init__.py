"""The entry points: the `newswire` command, `newswire up`, the embedded Redis.

The one composition root: it builds settings, loggers and servers and hands them to the services
(services/*) and to the tools (newswire_tools). Nothing imports this package but its own modules.
"""
