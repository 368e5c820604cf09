"""The schema.org types read as an article: one list (services.store.schema_org), the same for JSON documents
and for the JSON-LD of HTML pages."""

from __future__ import annotations

import json

import pytest

from services.store.parser import ParsedArticle, Rejection, parse

# Types news sites mark up their articles with that one layout or the other used to miss.
NEWS_TYPES = ["LiveBlogPosting", "OpinionNewsArticle", "ReportageNewsArticle"]
BODY = "First paragraph of the story.\n\nSecond paragraph of the story."


def _json_graph(kind: object, headline: str = "Ministers Meet Over Trade") -> str:
    return json.dumps(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "name": "World news", "url": "https://news.example.com/world"},
                {"@type": kind, "headline": headline, "articleBody": BODY, "datePublished": "2021-03-31T11:59:00Z"},
            ],
        }
    )


def _html_page(kind: object, headline: str = "Ministers Meet Over Trade") -> str:
    """A page whose headline is only in its JSON-LD (no og:title, no h1, no <title>): read only from an article."""
    ld = json.dumps({"@context": "https://schema.org", "@type": kind, "headline": headline})
    return (
        f'<!DOCTYPE html><html lang="en"><head><script type="application/ld+json">{ld}</script></head>'
        "<body><article><p>First paragraph of the story, long enough to be read as article text.</p>"
        "<p>Second paragraph of the story, long enough to be read as article text too.</p></article></body></html>"
    )


@pytest.mark.parametrize("kind", NEWS_TYPES)
def test_a_json_ld_graph_node_of_a_news_type_is_the_article(kind: str) -> None:
    article = parse(_json_graph(kind))
    assert isinstance(article, ParsedArticle), article
    assert article.headline == "Ministers Meet Over Trade"
    assert article.paragraphs == ("First paragraph of the story.", "Second paragraph of the story.")
    assert article.published_iso == "2021-03-31T11:59:00+00:00"


@pytest.mark.parametrize("kind", NEWS_TYPES)
def test_the_json_ld_of_a_news_type_gives_an_html_page_its_headline(kind: str) -> None:
    article = parse(_html_page(kind))
    assert isinstance(article, ParsedArticle), article
    assert article.headline == "Ministers Meet Over Trade"
    assert article.paragraphs[0].startswith("First paragraph of the story")


@pytest.mark.parametrize("kind", ["newsarticle", "LIVEBLOGPOSTING", "https://schema.org/OpinionNewsArticle"])
def test_types_match_in_any_case_and_as_a_full_schema_org_address(kind: str) -> None:
    for text in (_json_graph(kind), _html_page(kind)):
        article = parse(text)
        assert isinstance(article, ParsedArticle), article
        assert article.headline == "Ministers Meet Over Trade"


def test_a_type_among_several_counts() -> None:
    for text in (_json_graph(["WebPage", "ReportageNewsArticle"]), _html_page(["WebPage", "ReportageNewsArticle"])):
        article = parse(text)
        assert isinstance(article, ParsedArticle), article
        assert article.headline == "Ministers Meet Over Trade"


@pytest.mark.parametrize("kind", ["DiscussionForumPosting", "ScholarlyArticle", "SocialMediaPosting", "ReportageNews"])
def test_what_is_not_a_news_article_is_not_read_as_one(kind: str) -> None:
    graph = parse(_json_graph(kind))
    assert isinstance(graph, Rejection) and graph.reason == "not_an_article", graph
    page = parse(_html_page(kind))
    assert isinstance(page, Rejection) and page.reason == "no_headline", page


def test_a_reader_comment_before_the_article_in_a_graph_is_not_taken_for_it() -> None:
    doc = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "DiscussionForumPosting", "headline": "What a reader thinks", "articleBody": "A comment."},
            {"@type": "LiveBlogPosting", "headline": "Live: Ministers Meet Over Trade", "articleBody": BODY},
        ],
    }
    article = parse(json.dumps(doc))
    assert isinstance(article, ParsedArticle), article
    assert article.headline == "Live: Ministers Meet Over Trade"
