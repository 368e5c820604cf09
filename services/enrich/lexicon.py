"""Small curated word lists the rule-based enrichers share (English, French, Russian).

Each list is a file in data/, one entry a line, read once at import; data/SOURCES.md says where each comes from.
"""

from __future__ import annotations

from importlib import resources


def words(text: str) -> list[str]:
    """The words of a space-separated list (long lists stay readable)."""
    return text.split()


def _entries(name: str) -> list[str]:
    """A list in data/, in file order: "#" starts a comment and blank lines are layout; an entry may hold blanks."""
    text = (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")
    lines = (line.partition("#")[0].strip() for line in text.splitlines())
    return [line for line in lines if line]


STOPWORDS_EN = frozenset(_entries("stopwords_en.txt"))
STOPWORDS_FR = frozenset(_entries("stopwords_fr.txt"))
STOPWORDS_RU = frozenset(_entries("stopwords_ru.txt"))
STOPWORDS = STOPWORDS_EN | STOPWORDS_FR | STOPWORDS_RU

# Capitalised words that start sentences or headlines but name nothing.
NOT_NAMES = frozenset(_entries("not_names.txt"))

# Title words inside a capitalised sequence: what follows them is a person.
TITLES = frozenset(_entries("titles.txt"))

# Lowercase words right before a capitalised sequence that mark it as a person.
PERSON_CUES = frozenset(_entries("person_cues.txt"))

# Organisation keywords (any token of a sequence) and well-known organisations.
ORG_WORDS = frozenset(_entries("org_words.txt"))
FACILITY_WORDS = frozenset(_entries("facility_words.txt"))
KNOWN_ORGS = frozenset(_entries("known_orgs.txt"))
# Football clubs and large listed companies, from open data (data/SOURCES.md): organisations too.
CLUBS = frozenset(_entries("clubs.txt"))
COMPANIES = frozenset(_entries("companies.txt"))
# Regions and continents: places without one country, never people.
REGIONS = frozenset(_entries("regions.txt"))
# Nouns after a name that make it an organisation ("Argumenty i Fakty newspaper").
ORG_AFTER = frozenset(_entries("org_after.txt"))

# Speech verbs, for quotes and for "X said" as a person cue.
SPEECH_VERBS_EN = tuple(_entries("speech_verbs_en.txt"))
SPEECH_VERBS_FR = tuple(_entries("speech_verbs_fr.txt"))
SPEECH_VERBS_RU = tuple(_entries("speech_verbs_ru.txt"))
SPEECH_VERBS = SPEECH_VERBS_EN + SPEECH_VERBS_FR + SPEECH_VERBS_RU
SPEECH_VERB_WORDS = frozenset(v for v in SPEECH_VERBS if " " not in v)
SPEECH_VERB_PAIRS = frozenset(v for v in SPEECH_VERBS if v.count(" ") == 1)  # "a déclaré"

# Given names (thousands, of many languages; Latin and Cyrillic script): a capitalised pair starting with one
# is a person.
FIRST_NAMES = frozenset(_entries("first_names.txt"))
