"""Synthetic articles in the seed layout, deterministic for a seed (for `newswire bench`).

    <Weekday> <D> <Month> <YYYY> - <HH>:<MM>
    <blank>
    <headline>
    <blank>
    Story Code : <900000 + i>
    <paragraphs with quotes, people, organisations and places, each followed by a blank line>

For the same seed and numbers the files are byte for byte those of the shared
reference generator (bench/gen_corpus.py), so newswire and the floor pipeline
are measured on the same kind of text. Every article is distinct (its story
code is unique), so none is a duplicate of another.
"""

from __future__ import annotations

import datetime as dt
import os
import random
from pathlib import Path

PEOPLE = [
    ("Dmitry Peskov", "Peskov"),
    ("Vladimir Putin", "Putin"),
    ("Joe Biden", "Biden"),
    ("Antony Blinken", "Blinken"),
    ("Sergei Lavrov", "Lavrov"),
    ("Angela Merkel", "Merkel"),
    ("Emmanuel Macron", "Macron"),
    ("Xi Jinping", "Xi"),
    ("Recep Tayyip Erdogan", "Erdogan"),
    ("Narendra Modi", "Modi"),
    ("Jens Stoltenberg", "Stoltenberg"),
    ("Ursula von der Leyen", "von der Leyen"),
]
ORGS = [
    "NATO",
    "the United Nations",
    "the European Union",
    "the Kremlin",
    "the State Department",
    "the World Health Organization",
    "OPEC",
    "the IAEA",
    "the Pentagon",
    "Gazprom",
]
PLACES = [
    ("Moscow", "Russian"),
    ("Washington", "American"),
    ("Beijing", "Chinese"),
    ("Berlin", "German"),
    ("Paris", "French"),
    ("Ankara", "Turkish"),
    ("New Delhi", "Indian"),
    ("Tehran", "Iranian"),
    ("Kiev", "Ukrainian"),
    ("Damascus", "Syrian"),
    ("Brussels", "Belgian"),
    ("London", "British"),
]
TOPICS = [
    "arms control",
    "sanctions",
    "strategic stability",
    "energy supplies",
    "trade talks",
    "a cyberattack",
    "vaccine deliveries",
    "border security",
    "a nuclear deal",
    "election interference",
]
VERBS = ["said", "told reporters", "said in an interview", "added", "noted", "stressed", "warned"]
QUOTES = [
    "We will not accept any pressure from outside",
    "This is ruled out",
    "The door to dialogue remains open",
    "Our position has not changed",
    "These accusations are baseless",
    "We are ready to discuss all issues",
    "The situation remains extremely tense",
    "Nobody wants an escalation",
    "We expect concrete steps",
    "It is an extreme scenario",
]
FIRST_STORY_CODE = 900_000


def article(rng: random.Random, i: int) -> str:
    """Article number i; the text depends on i and on every draw rng made before."""
    when = dt.datetime(2019, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 365 * 6))
    (p1, s1), (p2, s2) = rng.sample(PEOPLE, 2)
    (c1, a1), (c2, a2) = rng.sample(PLACES, 2)
    org, topic = rng.choice(ORGS), rng.choice(TOPICS)
    head = rng.choice(
        [
            f"{a1} Officials Reject {a2} Pressure on {topic.title()}",
            f"{s1} Says {c1} Ready for Talks with {c2}",
            f"{org.replace('the ', '').title()} Meets Over {topic.title()}",
            f"{c1} Will Not Allow {a2}s to Dictate Terms: Spokesman",
        ]
    )
    paras = [f'"{rng.choice(QUOTES)}. {rng.choice(QUOTES)}," {s1} {rng.choice(VERBS)} on {when:%A}.']
    for _ in range(rng.randint(4, 9)):
        kind = rng.random()
        if kind < 0.35:
            paras.append(
                f'{s2} {rng.choice(VERBS)} that "{rng.choice(QUOTES).lower()}" and that {org} '
                f"would review {topic} within {rng.randint(2, 30)} days."
            )
        elif kind < 0.7:
            paras.append(
                f"Over the past years, relations between {c1} and {c2} have turned sour over "
                f"{topic}, {rng.choice(TOPICS)} and {rng.choice(TOPICS)}, according to {org}. "
                f"{p2} is expected in {rng.choice(PLACES)[0]} next week."
            )
        else:
            paras.append(
                f"The {a1} side described the {rng.randint(2, 40)}-page report as another set of "
                f"baseless accusations, while {org} called for restraint. {p1} declined to comment "
                f"on {topic}."
            )
    date_line = f"{when:%A} {when.day} {when:%B %Y - %H:%M}"
    return f"{date_line}\n\n{head}\n\nStory Code : {FIRST_STORY_CODE + i}\n" + "".join(f"{p}\n\n" for p in paras)


def file_name(i: int) -> str:
    return f"article-{i:07d}.txt"


def write_corpus(folder: Path | str, n: int, seed: int = 58, start: int = 0) -> list[Path]:
    """Write articles start .. start+n-1 into folder, each by atomic rename; their paths in order."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = []
    for i in range(start, start + n):
        tmp = out / f".article-{i:07d}.tmp"
        tmp.write_text(article(rng, i), encoding="utf-8")
        final = out / file_name(i)
        os.rename(tmp, final)
        paths.append(final)
    return paths
