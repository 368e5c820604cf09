"""`newswire replay`: enriched events emitted again from the database, for a subscriber that lost them.

The articles are chosen by the time they were stored (articles.stored_at: when newswire had them, so a
range replays what a subscriber may have missed in that time, whatever dates the articles carry) or by id.
Each event is built from the article's row and its committed enrichment exactly as enrich builds it
(services.enrich.handlers), with ``replay`` true; it is added to articles:enriched like any other.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from newswire.settings import CommonSettings, ConfigError, load
from newswire_cli.dead import UsageError, run_redis, time_ms

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from newswire.contracts import ArticleEnriched

_ARTICLE_ID = re.compile(r"[0-9a-f]{64}")
_BATCH = 500


def register(sub: Any) -> None:
    p = sub.add_parser(
        "replay", help="emit enriched events again from the database to articles:enriched (marked replay)"
    )
    p.add_argument("--since", help="articles stored from this time: ISO 8601 (UTC unless it has an offset) or an age")
    p.add_argument("--until", help="articles stored up to this time (same forms)")
    p.add_argument("--article", action="append", dest="articles", metavar="ID", help="this article (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="print what would be emitted, emit nothing")
    p.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from newswire.db.engine import make_engine
    from newswire.redaction import redact_text, redact_url
    from newswire.text import one_line

    articles = args.articles or []
    if articles and (args.since or args.until):
        raise UsageError("replay: give --article, or --since/--until, not both")
    if not (articles or args.since or args.until):
        raise UsageError("replay: give --since/--until (when the articles were stored) or --article ID")
    for article_id in articles:
        if not _ARTICLE_ID.fullmatch(article_id):
            raise UsageError(f"replay: {article_id!r} is not an article id (64 hex digits)")
    since = _utc(time_ms(args.since, "--since")) if args.since else None
    until = _utc(time_ms(args.until, "--until")) if args.until else None
    common = load(CommonSettings)
    url = common.resolved_database_url
    engine = make_engine(url)
    try:
        return run_redis(common, lambda r: _replay(r, engine, common, args, articles, since, until))
    except DBAPIError as exc:  # unreachable, or no newswire tables there
        reason = one_line(exc.orig if exc.orig is not None else exc)
        raise ConfigError(f"NEWSWIRE_DATABASE_URL: {redact_url(url)}: {redact_text(reason, url)}") from None
    finally:
        engine.dispose()


def _replay(
    r: Any,
    engine: Engine,
    common: CommonSettings,
    args: argparse.Namespace,
    articles: list[str],
    since: datetime | None,
    until: datetime | None,
) -> int:
    stream = common.streams.enriched
    emitted: set[str] = set()
    for batch in _events(engine, articles=articles, since=since, until=until):
        if args.dry_run:
            ids = [""] * len(batch)
        else:
            with r.pipeline(transaction=False) as p:
                for event in batch:
                    p.xadd(stream, _encode(event))
                ids = [i.decode() if isinstance(i, bytes) else str(i) for i in p.execute()]
        verb = "would replay" if args.dry_run else "replayed"
        for event, entry_id in zip(batch, ids, strict=True):
            print(f"{verb} {event.article_id} -> {stream} {entry_id}".rstrip())
            emitted.add(event.article_id)
    missing = [a for a in dict.fromkeys(articles) if a not in emitted]
    for article_id in missing:
        print(f"not replayed {article_id}: {_why_missing(engine, article_id)}")
    if not articles:
        print(f"{'would replay' if args.dry_run else 'replayed'} {len(emitted)} articles")
    return 1 if missing else 0


def _events(
    engine: Engine, *, articles: list[str], since: datetime | None, until: datetime | None
) -> Iterator[list[ArticleEnriched]]:
    """The enriched events of the articles chosen, a batch at a time, in the order they were stored."""
    from sqlalchemy import select, tuple_

    from newswire.db.tables import ARTICLES, ENRICHMENTS

    a, e = ARTICLES, ENRICHMENTS
    query = select(a, e.c.data, e.c.source_entry_id.label("enriched_entry_id")).join(
        e, e.c.article_id == a.c.article_id
    )
    query = query.where(e.c.data.is_not(None))  # enricher 0.1 kept no enrichment to emit again
    if articles:
        query = query.where(a.c.article_id.in_(sorted(set(articles))))
    if since is not None:
        query = query.where(a.c.stored_at >= since)
    if until is not None:
        query = query.where(a.c.stored_at <= until)
    query = query.order_by(a.c.stored_at, a.c.article_id).limit(_BATCH)
    after: tuple[Any, str] | None = None
    while True:  # keyset pages: one short read at a time, never a cursor held open across XADDs
        page_query = query if after is None else query.where(tuple_(a.c.stored_at, a.c.article_id) > after)
        with engine.connect() as conn:
            rows = list(conn.execute(page_query).mappings())
        if not rows:
            return
        yield [_event(row) for row in rows]
        after = (rows[-1]["stored_at"], rows[-1]["article_id"])


def _event(row: Any) -> ArticleEnriched:
    from newswire.contracts import ArticleStored, Enrichment
    from services.enrich.outputs import enriched_event

    stored = ArticleStored(
        article_id=row["article_id"],
        correlation_id=row["correlation_id"],
        headline=row["headline"],
        story_code=row["story_code"],
        published_at=_published(row["published_at"], row["published_utc_offset_min"]),
        body=row["body"],
        source_name=row["source_name"],
        language=row["language"],
        url=row["url"],
    )
    enrichment = Enrichment.model_validate(row["data"])
    return enriched_event(stored, enrichment).model_copy(update={"replay": True})


def _published(wall: datetime | None, offset_min: int | None) -> str | None:
    """published_at as the store wrote it in article.stored (services.store.dates.ParsedDate.iso): the row
    does not say whether the source gave a time, so midnight without an offset is taken as a date alone."""
    if wall is None:
        return None
    if offset_min is not None:
        return wall.replace(tzinfo=timezone(timedelta(minutes=offset_min))).isoformat()
    if wall.time() == datetime.min.time():
        return wall.date().isoformat()
    return wall.isoformat()


def _why_missing(engine: Engine, article_id: str) -> str:
    from sqlalchemy import select

    from newswire.db.tables import ARTICLES, ENRICHMENTS

    with engine.connect() as conn:
        if conn.execute(select(ARTICLES.c.article_id).where(ARTICLES.c.article_id == article_id)).first() is None:
            return "no such article in the database"
        row = conn.execute(select(ENRICHMENTS.c.data).where(ENRICHMENTS.c.article_id == article_id)).first()
    if row is None:
        return "stored but not enriched yet"
    return "enriched by enricher 0.1, which kept no enrichment to emit again"


def _encode(event: ArticleEnriched) -> dict[bytes, bytes]:
    from newswire.contracts import encode

    return encode(event)


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)
