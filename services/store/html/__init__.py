"""Saved HTML pages, by role (services.store.html_layout puts them together):

- limits: the bounds on what a page may make the parser do;
- markup: the page's text bounded before libxml2 reads it;
- tree: the page's tree, read and bounded;
- nodes: what the readers below share (text sizes, inherited marks, dropping elements);
- metadata: what the page declares about itself (metas, JSON-LD, headline, language, URL, story code);
- datelines: the publication date;
- body: the article's text.
"""
