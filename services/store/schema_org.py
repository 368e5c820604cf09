"""The schema.org types read as a news article: one list, for JSON documents (a JSON-LD @graph's article node,
services.store.json_layout) and for the JSON-LD of saved HTML pages (services.store.html).

What news sites mark their stories up as, and no more: Article itself; NewsArticle and every one of its
subtypes; the blog posts newsrooms publish (BlogPosting, and LiveBlogPosting for live coverage); Report
(press-agency and wire reports). Other kinds of Article are left out: scholarly and technical papers
(ScholarlyArticle, TechArticle), satire (SatiricalArticle), sponsored content (AdvertiserContentArticle),
and social-media and forum posts (SocialMediaPosting, DiscussionForumPosting: the readers' comments
under a story, which must not be taken for it).
"""

from __future__ import annotations

ARTICLE_TYPES = (
    "Article",
    "NewsArticle",
    "AnalysisNewsArticle",
    "AskPublicNewsArticle",
    "BackgroundNewsArticle",
    "OpinionNewsArticle",
    "ReportageNewsArticle",
    "ReviewNewsArticle",
    "BlogPosting",
    "LiveBlogPosting",
    "Report",
)
_LOWER = frozenset(kind.lower() for kind in ARTICLE_TYPES)


def is_article_type(value: object) -> bool:
    """Whether a JSON-LD @type names one of ARTICLE_TYPES, in any case: a name ("NewsArticle"), an address
    ("https://schema.org/NewsArticle"), or a list of them (one such is enough)."""
    kinds = value if isinstance(value, list) else [value]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1].lower() in _LOWER for k in kinds)
