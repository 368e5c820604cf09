"""Secrets out of what newswire prints: the password of a URL's userinfo, and query parameters
whose name says secret (`?password=`, `?token=`, `?api_key=`, ...).

Redis and database URLs are read by different parsers (urllib for redis-py, a regular
expression for SQLAlchemy), and they disagree on malformed URLs: SQLAlchemy's password runs
to the first "@" and may hold "/", "?" or "#", where urllib's userinfo stops. What either
would take for a secret is hidden. A URL urllib refuses to split is hidden after its scheme.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import unquote, unquote_plus, urlsplit

HIDDEN = "***"
MIN_SECRET = 3
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
# SQLAlchemy's userinfo: a user without ":" or "/", then a password running to the first "@"
_SQLALCHEMY_USERINFO = re.compile(r"[^:/]*:[^@]*@")
_SECRET_WORDS = ("pass", "pwd", "secret", "token", "auth", "credential")


class _Redacted(NamedTuple):
    shown: str
    secrets: list[str]


def redact_url(url: str) -> str:
    """url with its secrets replaced by ***, on one line; never raises."""
    try:
        return _printable(_redact(url).shown)
    except Exception:  # noqa: BLE001 - printing an error must not fail; hide rather than guess
        return _printable(_hide_after_scheme(url).shown)


def redact_text(text: str, url: str) -> str:
    """text (an error message about url) with every secret of url replaced by ***, on one line.
    Secrets shorter than MIN_SECRET are left: hiding every "a" of a message hides nothing worth it."""
    try:
        secrets = _redact(url).secrets
    except Exception:  # noqa: BLE001 - as in redact_url
        secrets = _hide_after_scheme(url).secrets
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET}, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return _printable(text)


def is_secret_name(name: str) -> bool:
    """A query parameter that holds a secret, by its name: password, sslpassword, pwd, token, api_key, ..."""
    key = "".join(c for c in unquote_plus(name).lower() if c.isalnum())
    return any(word in key for word in _SECRET_WORDS) or key.endswith("key")


def _redact(url: str) -> _Redacted:
    scheme = _SCHEME.match(url)
    if not scheme:  # not a URL at all: it may be anything, a bare password included
        return _Redacted(HIDDEN, [url, *_split(url).secrets])
    rest = url[scheme.end() :]
    if not rest.startswith("//"):  # "user:password@host" reads as the scheme "user"
        return _Redacted(url[: scheme.end()] + HIDDEN, [rest, *_split(url).secrets])
    body = _split(rest[2:])
    try:
        urlsplit(url)
    except ValueError:  # unbalanced brackets, characters that NFKC turns into delimiters
        return _Redacted(url[: scheme.end()] + "//" + HIDDEN, [rest[2:], *body.secrets])
    return _Redacted(url[: scheme.end()] + "//" + body.shown, body.secrets)


def _split(body: str) -> _Redacted:
    """What follows "scheme://", however malformed, with the userinfo's password and the secret
    query values hidden (as urllib and as SQLAlchemy would read them)."""
    head = ""
    secrets: list[str] = []
    by_sqlalchemy = _SQLALCHEMY_USERINFO.match(body)
    if by_sqlalchemy:
        secrets.append(body[: by_sqlalchemy.end() - 1].partition(":")[2])
    at = _userinfo_end(body)
    if at >= 0:
        user, colon, password = body[:at].partition(":")
        head = f"{user}:{HIDDEN}@" if colon else f"{user}@"
        secrets += [password] if colon else []
        body = body[at + 1 :]
    path, question, query = body.partition("?")
    shown_query, query_secrets = _redact_query(query)
    secrets += query_secrets
    return _Redacted(head + path + question + shown_query, secrets + [unquote(s) for s in secrets])


def _userinfo_end(body: str) -> int:
    """The index of the "@" that ends the userinfo in what follows "scheme://", or -1: the later of
    urllib's (the last "@" before "/", "?" or "#") and SQLAlchemy's (the first "@" after a ":")."""
    authority_end = min([i for i in (body.find(c) for c in "/?#") if i >= 0], default=len(body))
    by_urllib = body.rfind("@", 0, authority_end)
    by_sqlalchemy = _SQLALCHEMY_USERINFO.match(body)
    return max(by_urllib, by_sqlalchemy.end() - 1 if by_sqlalchemy else -1)


def _redact_query(query: str) -> tuple[str, list[str]]:
    """Parameters are split on "&" (and on ";" by some parsers): from the first secret name in a
    "&" part, the rest of that part is hidden, whichever way it is split."""
    parts = query.split("&")
    secrets: list[str] = []
    for i, part in enumerate(parts):
        start = 0
        for piece in part.split(";"):
            name, eq, _value = piece.partition("=")
            if eq and is_secret_name(name):
                value = part[start + len(name) + 1 :]
                parts[i] = part[: start + len(name) + 1] + HIDDEN
                secrets += [value, unquote_plus(value)]
                break
            start += len(piece) + 1
    return "&".join(parts), secrets


def _hide_after_scheme(url: str) -> _Redacted:
    """What cannot be parsed is hidden after its scheme (and whole without one)."""
    scheme = _SCHEME.match(url)
    if not scheme:
        return _Redacted(HIDDEN, [url])
    rest = url[scheme.end() :]
    slashes = "//" if rest.startswith("//") else ""
    return _Redacted(url[: scheme.end()] + slashes + HIDDEN, [rest[len(slashes) :]])


def _printable(text: str) -> str:
    """Control characters escaped, so that an error stays on one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)
