"""A compact statistical entity tagger: its training data (data.py), training (train.py) and measure (evaluate.py).

The tagger itself is newswire_tools/ner/tagger.py; SOURCES.md says where its training data comes from.
"""
