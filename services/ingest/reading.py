"""Reading a claimed file into its entry: its article.discovered event, or ingest's own rejection."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass

from newswire.contracts import ArticleDiscovered, ArticleRejected, content_hash, encode
from services.ingest.claims import Claimed
from services.ingest.files import Decoded, decode
from services.ingest.ledger import correlation_id
from services.ingest.paths import Unusable, read_regular_stat


@dataclass(frozen=True, slots=True)
class Read:
    kind: str  # "raw" or "dead"
    payload: bytes
    size: int
    sha: str | None
    mtime_ns: int
    rejection: tuple[str, str] | None
    article_id: str | None = None
    encoding: str | None = None
    correlation_id: str = ""  # the event's: logged, so that one file can be followed through the services


class Reader:
    """Reads a claimed file into its entry (in a thread)."""

    def __init__(self, max_file_bytes: int) -> None:
        self.max_file_bytes = max_file_bytes

    def read(self, claimed: Claimed) -> Read:
        """The file's entry: its article.discovered event, or ingest's own rejection."""
        cid = correlation_id(claimed.claim_id, claimed.relative)
        got = read_regular_stat(claimed.path, self.max_file_bytes)
        if isinstance(got, Unusable):
            return self._rejected(claimed, cid, got.reason, got.detail, None, got.size, 0)
        data, st = got
        mtime_ns = st.st_mtime_ns
        sha = hashlib.sha256(data).hexdigest()
        decoded = decode(data)
        if not isinstance(decoded, Decoded):
            return self._rejected(claimed, cid, decoded.reason, decoded.detail, sha, len(data), mtime_ns)
        event = ArticleDiscovered(
            article_id=content_hash(decoded.text),
            correlation_id=cid,
            source_name=claimed.source_name,
            file_sha256=sha,
            size_bytes=len(data),
            encoding=decoded.encoding,
            text=decoded.text,
        )
        return Read(
            "raw",
            encode(event)[b"__data__"],
            len(data),
            sha,
            mtime_ns,
            None,
            event.article_id,
            decoded.encoding,
            cid,
        )

    def _rejected(
        self, claimed: Claimed, cid: str, reason: str, detail: str, sha: str | None, size: int, mtime_ns: int
    ) -> Read:
        event = ArticleRejected(
            article_id=sha or hashlib.sha256(os.fsencode(claimed.relative)).hexdigest(),
            correlation_id=cid,
            stage="ingest",
            reason=reason,
            detail=f"{claimed.source_name}: {detail}",
            source_name=claimed.source_name,
        )
        return Read("dead", encode(event)[b"__data__"], size, sha, mtime_ns, (reason, detail), correlation_id=cid)

    def read_some(self, claims: list[Claimed], budget: int) -> tuple[list[tuple[Claimed, Read]], list[Claimed]]:
        """Read files until about budget bytes are in memory; what is read, and what is left."""
        out: list[tuple[Claimed, Read]] = []
        total = 0
        for n, c in enumerate(claims):
            if out and total >= budget:
                return out, claims[n:]
            read = self.read(c)
            out.append((c, read))
            total += len(read.payload)
        return out, []
