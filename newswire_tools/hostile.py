"""Hostile inputs: what a careless writer, a bad day or an attacker puts in the inbox.

Shared by `newswire soak` and tests/chaos. Files to drop are returned as `Hostile`
(a name, which is bytes where it is not valid UTF-8, the content, and what the
pipeline must do with it); things that are not plain files (FIFOs, sockets, links,
folders too deep or moved in whole) are made in place by the functions at the end.
Each takes a `stem` so that repeated drops get names of their own.

What the pipeline must do (DESIGN.md, issue 9):
- ``rejected``: in the error folder with ``<name>.error.json`` and on articles:dead;
- ``either``: processed (stored and enriched, possibly truncated, saying so) or rejected;
- ``skipped``: left alone in the inbox, the reason logged once.
"""

from __future__ import annotations

import os
import random
import stat
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from newswire_tools.corpus import article

Expect = Literal["rejected", "either", "skipped"]
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024  # NEWSWIRE_MAX_FILE_BYTES's default


@dataclass(frozen=True, slots=True)
class Hostile:
    kind: str
    name: str | bytes
    content: bytes
    expect: Expect


@dataclass(frozen=True, slots=True)
class Placed:
    kind: str
    path: Path  # in the inbox
    expect: Expect


def good_article(i: int, seed: int = 9) -> str:
    """A distinct ordinary article in the seed layout (story code 900000 + i)."""
    return article(random.Random(seed * 1_000_003 + i), i)


@lru_cache(maxsize=2)
def _paragraphs(size: int) -> str:
    """Ordinary paragraphs, names and places included, about size characters (ASCII)."""
    out: list[str] = []
    total, i = 0, 0
    while total < size:
        body = good_article(500_000 + i).split("\n", 5)[5]
        out.append(body)
        total += len(body)
        i += 1
    return "".join(out)[:size]


def _html(title: str, body: str, *, head: str = "") -> bytes:
    return (
        f'{head}<html lang="en"><head><title>{title}</title></head><body><article><h1>{title}</h1>'
        f"{body}<p>The Kremlin said on Tuesday that talks with Washington would go on.</p>"
        "<p>Officials in Moscow declined to comment further.</p></article></body></html>"
    ).encode()


# -- files ------------------------------------------------------------------------------------


def huge_text(stem: str = "huge", size: int = 9_900_000) -> Hostile:
    """A plain-text article just under the default size limit (quadratic enrichment steps stall on it)."""
    head = f"Monday 5 April 2021 - 10:00\n\nA Very Long Article About Everything\n\nStory Code : 990001\n{stem}\n\n"
    text = head + _paragraphs(size - len(head))
    return Hostile("huge_text", f"{stem}.txt", text.encode()[:size], "either")


def attribute_flood(stem: str = "attrs", attributes: int = 200_000) -> Hostile:
    """One tag with 200,000 attributes (2.3 MB): quadratic in some HTML parsers."""
    attrs = "".join(f' a{i}="1"' for i in range(attributes))
    return Hostile("attribute_flood", f"{stem}.html", _html("Attribute Flood", f"<p{attrs}>{stem}</p>"), "either")


def deep_nesting(stem: str = "deep", depth: int = 100_000) -> Hostile:
    body = "<div>" * depth + f"<p>{stem} at the bottom.</p>" + "</div>" * depth
    return Hostile("deep_nesting", f"{stem}.html", _html("Deep Nesting", body), "either")


def billion_laughs(stem: str = "laughs") -> Hostile:
    entities = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10)
    ]
    head = '<?xml version="1.0"?>\n<!DOCTYPE html [\n' + "\n".join(entities) + "\n]>\n"
    return Hostile("billion_laughs", f"{stem}.html", _html("Billion Laughs", "<p>&lol9;</p>", head=head), "either")


def xxe(stem: str = "xxe", target: str = "file:///etc/passwd") -> Hostile:
    head = f'<?xml version="1.0"?>\n<!DOCTYPE html [<!ENTITY x SYSTEM "{target}">]>\n'
    return Hostile("xxe", f"{stem}.html", _html("External Entity", "<p>&x;</p>", head=head), "either")


def json_nesting(stem: str = "nested", depth: int = 100_000) -> Hostile:
    return Hostile("json_nesting", f"{stem}.json", b"[" * depth + b"]" * depth, "rejected")


def lone_surrogate(stem: str = "surrogate") -> Hostile:
    """A JSON article whose body holds the escape of a lone surrogate (valid JSON, not valid Unicode)."""
    doc = (
        '{"headline": "Lone Surrogate in the Body", "published_at": "2021-04-05T10:00:00+00:00", '
        f'"body": "The Kremlin said \\ud800 on Tuesday that talks would go on ({stem}).\\n\\n'
        'Officials in Moscow declined to comment further."}'
    )
    return Hostile("lone_surrogate", f"{stem}.json", doc.encode(), "either")


def nul_bytes(stem: str = "nul") -> Hostile:
    """An article with two NUL bytes (few enough to pass as text; PostgreSQL refuses them)."""
    parts = good_article(910_000).split("\n", 5)
    body = parts[5]
    parts[5] = f"{body[:40]}\x00{body[40:80]}\x00{body[80:]}\n\n{stem}"
    return Hostile("nul_bytes", f"{stem}.txt", "\n".join(parts).encode(), "either")


def empty(stem: str = "empty") -> Hostile:
    return Hostile("empty", f"{stem}.txt", b"", "rejected")


def binary(stem: str = "binary") -> Hostile:
    return Hostile("binary", f"{stem}.png", b"\x89PNG\r\n\x1a\n" + random.Random(7).randbytes(16_384), "rejected")


def too_large(stem: str = "large", limit: int = DEFAULT_MAX_FILE_BYTES) -> Hostile:
    text = good_article(920_000)
    return Hostile("too_large", f"{stem}.txt", (text * (limit // len(text) + 2)).encode()[: limit + 1], "rejected")


def bad_utf8_name(stem: str = "caf") -> Hostile:
    """b"caf\\xe9.txt" (Latin-1 é): not valid UTF-8; a good article inside."""
    return Hostile("bad_utf8_name", stem.encode() + b"\xe9.txt", good_article(930_000).encode(), "either")


def long_name(stem: str = "long", length: int = 250) -> Hostile:
    """A name of `length` bytes holding an article the store rejects: <name>.error.json is too long a name."""
    name = f"{stem}-" + "n" * (length - len(stem) - 5) + ".txt"
    return Hostile("long_name", name, b"A headline and nothing else\n", "rejected")


def files() -> list[Hostile]:
    """One of each hostile file, with its default name."""
    return [
        huge_text(),
        attribute_flood(),
        deep_nesting(),
        billion_laughs(),
        xxe(),
        json_nesting(),
        lone_surrogate(),
        nul_bytes(),
        empty(),
        binary(),
        too_large(),
        bad_utf8_name(),
        long_name(),
    ]


def drop(folder: Path, item: Hostile) -> Path:
    """Write item into folder by atomic rename from a hidden name, as a well-behaved writer does."""
    raw = os.fsencode(folder)
    name = item.name if isinstance(item.name, bytes) else item.name.encode()
    tmp = os.path.join(raw, f".hostile-{uuid.uuid4().hex}.tmp".encode())
    with open(tmp, "wb") as fh:
        fh.write(item.content)
    final = os.path.join(raw, name)
    os.rename(tmp, final)
    return Path(os.fsdecode(final))


# -- things made in place ----------------------------------------------------------------------


def fifo(inbox: Path, stem: str = "fifo") -> Placed:
    """A named pipe: opening it for reading blocks until a writer comes (none will)."""
    path = inbox / f"{stem}.txt"
    os.mkfifo(path)
    return Placed("fifo", path, "skipped")


def unix_socket(inbox: Path, stem: str = "socket") -> Placed:
    """A socket inode (mknod: bind() would cap the path at 108 bytes); open() of it fails with ENXIO."""
    path = inbox / f"{stem}.txt"
    os.mknod(path, stat.S_IFSOCK | 0o600)
    return Placed("unix_socket", path, "skipped")


def outside_file(outside: Path, stem: str) -> Path:
    """A file outside the inbox that must never be read, moved or changed: a good article with a secret."""
    outside.mkdir(parents=True, exist_ok=True)
    path = outside / f"{stem}-target.txt"
    path.write_text(good_article(940_000).replace("\n\n", f"\n\nOUTSIDE-SECRET-{stem}\n\n", 1))
    return path


def symlink_out(inbox: Path, outside: Path, stem: str = "symlink") -> Placed:
    path = inbox / f"{stem}.txt"
    os.symlink(outside_file(outside, stem), path)
    return Placed("symlink", path, "skipped")


def hardlink_out(inbox: Path, outside: Path, stem: str = "hardlink") -> Placed:
    """A second name for a file outside the inbox: never read, and (unlike a symbolic link, which
    is left alone) moved to the error folder with reason hard_link, so whoever dropped it sees why."""
    path = inbox / f"{stem}.txt"
    os.link(outside_file(outside, stem), path)
    return Placed("hardlink", path, "rejected")


def too_deep(inbox: Path, max_depth: int = 8, stem: str = "toodeep") -> Placed:
    """A good article one folder deeper than NEWSWIRE_MAX_DEPTH allows (made elsewhere, moved in whole)."""
    folder = inbox / f".{stem}-making"
    leaf = folder.joinpath(*(f"d{n}" for n in range(max_depth)))
    leaf.mkdir(parents=True)
    (leaf / f"{stem}.txt").write_text(good_article(950_000))
    os.rename(folder, inbox / stem)
    return Placed("too_deep", inbox / stem / leaf.relative_to(folder) / f"{stem}.txt", "skipped")


def folder_moved_in(inbox: Path, staging: Path, n: int, stem: str = "moved", first: int = 0) -> dict[str, str]:
    """n good articles written into a folder outside the inbox (same filesystem), then moved in with
    one rename. Returns {source name relative to the inbox: text}."""
    folder = staging / stem
    folder.mkdir(parents=True)
    texts = {}
    for i in range(first, first + n):
        text = good_article(i)
        (folder / f"{stem}-{i:06d}.txt").write_text(text)
        texts[f"{stem}/{stem}-{i:06d}.txt"] = text
    os.rename(folder, inbox / stem)
    return texts
