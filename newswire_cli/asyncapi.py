"""The AsyncAPI document of newswire's streams, generated from the services' FastStream applications.

    python3 tasks.py asyncapi     # rewrites asyncapi.json (a test fails while it is out of date)

The document describes a deployment as docker-compose.yml runs it (Redis at redis:6379) with the
default stream names; what each stream carries is the contract's pydantic models.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import structlog
from faststream.specification import AsyncAPI

from newswire import __version__

DOCUMENT = Path(__file__).resolve().parent.parent / "asyncapi.json"
SERVER = "redis://redis:6379"
DESCRIPTION = (
    "Article files dropped into a folder become durable, enriched events. Every entry is one field, "
    "`__data__`, holding the event as plain JSON: any Redis client reads it without FastStream."
)


def document() -> str:
    from services.enrich.config import EnrichSettings
    from services.enrich.main import build as build_enrich
    from services.ingest.config import IngestSettings
    from services.ingest.main import build as build_ingest
    from services.store.config import StoreSettings
    from services.store.main import build as build_store

    log: Any = structlog.get_logger("asyncapi")
    stopping = asyncio.Event()
    # Defaults, not this machine's environment: the document is the same wherever it is generated.
    ingest, _ = build_ingest(IngestSettings.model_construct(), redis_url=SERVER, stopping=stopping, log=log)
    store, _ = build_store(StoreSettings.model_construct(), redis_url=SERVER, stopping=stopping, log=log)
    enrich, _ = build_enrich(EnrichSettings.model_construct(), redis_url=SERVER, stopping=stopping, log=log)
    spec = AsyncAPI(
        *(app.broker for app in (ingest, store, enrich) if app.broker is not None),
        title="newswire",
        version=__version__,
        description=DESCRIPTION,
    )
    return json.dumps(spec.to_specification().to_jsonable(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write() -> Path:
    DOCUMENT.write_text(document())
    return DOCUMENT
