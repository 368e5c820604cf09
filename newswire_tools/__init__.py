"""Tools beside the runtime: the benchmark, the floor comparison, the corpus, hostile inputs, soak.

They use the kernel (newswire) and the services; what they need from the entry points (the
embedded server) is handed to them by the `newswire` command.
"""
