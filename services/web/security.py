"""What every answer of the page carries, and which requests it answers at all.

- Headers: a Content-Security-Policy that lets the page load its own files and nothing else (no inline
  script, no other origin, no framing), nosniff, no referrer, no caching of the API's answers. No CORS
  header, ever: another site's script cannot read an answer, nor send the requeue header.
- Host: only the names in NEWSWIRE_WEB_ALLOWED_HOSTS (loopback and NEWSWIRE_WEB_HOST by default), so that
  a site that points its own name at this machine (DNS rebinding) cannot make the page its own origin.
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
NO_STORE = (b"cache-control", b"no-store")


class Guard:
    """Pure ASGI (a BaseHTTPMiddleware would hold back the event stream): the host check, the headers."""

    def __init__(self, app: ASGIApp, *, hosts: frozenset[str] | None) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = str(scope.get("path", "")).startswith("/api/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name.lower() for name, _ in headers}
                headers += [h for h in HEADERS if h[0] not in names]
                if api and NO_STORE[0] not in names:
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        if self.hosts is not None and host_of(scope) not in self.hosts:
            await _refuse(with_headers, 400, b'{"error":"this Host is not one the page answers to"}\n')
            return
        await self.app(scope, receive, with_headers)


def host_of(scope: Scope) -> str:
    """The Host header's name, lower case, without its port or an IPv6 address's brackets."""
    raw = next((value for name, value in scope.get("headers", []) if name == b"host"), b"")
    host = raw.decode("latin-1").strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rpartition(":")[0] if ":" in host else host


async def _refuse(send: Any, status: int, body: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
