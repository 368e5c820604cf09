"""The committed AsyncAPI document (asyncapi.json) is what the services' FastStream applications say."""

from __future__ import annotations

import json

import pytest

from newswire import contracts
from newswire.contracts import ArticleDiscovered, ArticleEnriched, ArticleRejected, ArticleStored, Streams
from newswire_cli.asyncapi import DOCUMENT, document


def test_the_committed_document_is_the_one_the_applications_generate() -> None:
    assert DOCUMENT.read_text() == document(), (
        "asyncapi.json is out of date with the services' applications or the contract models: "
        "run `python3 tasks.py asyncapi` and commit the result"
    )


def test_it_lists_the_four_streams_with_their_message_schemas() -> None:
    doc = json.loads(document())
    streams = Streams()
    addresses = {channel["address"] for channel in doc["channels"].values()}
    assert addresses == {streams.raw, streams.stored, streams.enriched, streams.dead}
    schemas = doc["components"]["schemas"]
    for model in (ArticleDiscovered, ArticleStored, ArticleEnriched, ArticleRejected):
        assert set(schemas[model.__name__]["properties"]) == set(model.model_fields), model.__name__
    assert [server["host"] for server in doc["servers"].values()] == ["redis:6379"]  # compose's, no password


def test_a_changed_contract_model_changes_the_document(monkeypatch: pytest.MonkeyPatch) -> None:
    import services.store.main

    before = document()

    class ArticleStored(contracts.ArticleStored):  # the same event with one more field
        subtitle: str | None = None

    monkeypatch.setattr(services.store.main, "ArticleStored", ArticleStored)
    after = json.loads(document())
    assert "subtitle" in after["components"]["schemas"]["ArticleStored"]["properties"]
    assert document() != before
