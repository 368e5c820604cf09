"""A saved HTML page's article text: trafilatura's main text, after pruning navigation, site headers and
footers, asides, dialogs, cookie/consent banners and short datelines around a <time>; comments are left out,
a <time> inside a sentence keeps its words. One paragraph per text block (a <br> starts a new one).

What the pruning must not do is leave junk as the article, and it did on malformed pages (a site header never
closed holds the whole article, and pruning it left the skip link "Pasar al contenido principal" as the body):
- an explicit article container (<article>, <main>, itemprop=articleBody) wins over a landmark around it: the
  page's largest one, when it sits in a landmark and holds at least a third of the page's prose (text outside
  links, scripts and forms; teaser cards in an aside or a footer hold far less), is kept and the rest of the
  landmark pruned;
- a body implausibly short (under SHORT_BODY characters, blanks aside) while one landmark of the top of the
  page (site header, banner, navigation) that the pruning dropped held SHORT_RATIO times as much prose and at
  least LANDMARK_PROSE characters of it is read again with such landmarks unwrapped (their text left to the
  extractor, which leaves out menus and link lists itself): that reading is the body when it holds at least
  twice the text. A footer or an aside never counts: they come after the article, or beside it, and a short
  brief over a long "about us" footer keeps its own text. The fallback reads the page a second time, on those
  rare pages only;
- skip links ("Skip to content", "Pasar al contenido principal", "Aller au contenu", "Zum Inhalt springen"...)
  are never paragraphs of the article, and not_an_article says why what is left is no article: nothing but
  navigation, a cookie or consent notice, or under MIN_BODY characters on a page whose text was in its header.
"""

from __future__ import annotations

import logging
import re
from copy import copy
from dataclasses import dataclass

import trafilatura
from lxml import etree
from lxml import html as lxml_html

from services.store.dates import MAX_DATE
from services.store.html.nodes import (
    COOKIE_TEXT,
    Inherited,
    TextSizes,
    drop_all,
    id_class,
    is_article_container,
    is_text_block,
    landmarks,
    nonblank,
    opens_the_page,
    prose_sizes,
)

# trafilatura logs "discarding data" for every page without main text; the Rejection says it already.
logging.getLogger("trafilatura").setLevel(logging.ERROR)

# Cookie and consent banners (these words in the id or class): short blocks only (under COOKIE_TEXT characters),
# so a <body class="cookie-consent-pending"> keeps its article.
_COOKIE_MARKS = ("cookie", "consent", "gdpr")
# Datelines ("Published <time>...</time>", under MAX_DATE characters): the extractor drops the <time> and
# would keep the bare label.
_DATELINE_BLOCK = "//*[time][not(self::p or self::article or self::main or self::body or self::html)]"


SHORT_BODY = 250  # characters (blanks aside): a shorter body is checked against the landmarks the pruning dropped
SHORT_RATIO = 4  # ...and is implausibly short when one of them held this many times as much prose
LANDMARK_PROSE = SHORT_BODY  # ...and at least as much as a plausible body: more prose than a site header holds
MIN_BODY = 50  # characters: less, on a page whose text was in its header, is not an article
_CONTAINER_SHARE = 3  # an article container in a landmark is kept when it holds a third of the page's prose

# Skip links and the like, as _is_skip_link reads a paragraph (lower case, punctuation as blanks).
_SKIP_LINKS = frozenset({
    "skip to content", "skip to main content", "skip to the content", "skip to main", "skip to primary content",
    "skip to navigation", "skip navigation", "skip to main navigation", "skip to menu", "skip to footer",
    "skip to search", "skip links", "jump to content", "jump to main content", "jump to navigation",
    "go to content", "go to main content", "back to top",
    "pasar al contenido principal", "pasar al contenido", "saltar al contenido", "saltar al contenido principal",
    "ir al contenido", "ir al contenido principal", "saltar a la navegación", "ir a la navegación", "volver arriba",
    "aller au contenu", "aller au contenu principal", "passer au contenu", "passer au contenu principal",
    "accéder au contenu", "accéder au contenu principal", "aller à la navigation", "aller au menu",
    "retour en haut",
    "zum inhalt springen", "zum inhalt", "direkt zum inhalt", "zum hauptinhalt", "zum hauptinhalt springen",
    "zur navigation", "zur navigation springen", "direkt zur navigation", "navigation überspringen", "nach oben",
    "vai al contenuto", "vai al contenuto principale", "salta al contenuto", "salta al contenuto principale",
    "passa al contenuto", "torna su",
    "ir para o conteúdo", "ir para o conteúdo principal", "pular para o conteúdo", "saltar para o conteúdo",
    "voltar ao topo",
    "naar de inhoud", "ga naar inhoud", "ga naar de inhoud", "direct naar de inhoud", "naar hoofdinhoud",
    "spring naar de inhoud",
    "перейти к содержанию", "перейти к основному содержанию", "перейти к содержимому", "к содержанию",
    "przejdź do treści", "przejdź do głównej treści", "przejdź do zawartości", "içeriğe geç", "ana içeriğe geç",
    "içeriğe atla", "hoppa till innehåll", "spring til indhold", "hopp til innhold", "siirry sisältöön",
    "přejít k obsahu", "μετάβαση στο περιεχόμενο", "انتقل إلى المحتوى", "تخطي إلى المحتوى",
})  # fmt: skip
_SKIP_LINK_TEXT = 80  # characters: a longer paragraph is never a skip link
_NOT_WORDS = re.compile(r"[\W_]+")
# What a cookie or consent notice says of itself (lower case): one of these makes a short body a candidate...
_NOTICE_PHRASES = (
    "we use cookies", "we use cookie", "this website uses cookies", "this site uses cookies",
    "our website uses cookies", "accept all cookies", "accept cookies", "manage cookies", "cookie settings",
    "cookie preferences", "nous utilisons des cookies", "ce site utilise des cookies", "notre site utilise des cookies",
    "accepter les cookies", "gérer les cookies", "paramétrer les cookies", "wir verwenden cookies",
    "wir nutzen cookies", "wir setzen cookies", "diese website verwendet cookies", "diese webseite verwendet cookies",
    "cookies akzeptieren", "cookie-einstellungen", "utilizamos cookies", "usamos cookies", "este sitio utiliza cookies",
    "esta web utiliza cookies", "aceptar cookies", "aceptar todas las cookies", "configuración de cookies",
    "utilizziamo i cookie", "utilizziamo cookie", "questo sito utilizza cookie", "questo sito utilizza i cookie",
    "accetta i cookie", "accetta tutti i cookie", "este site utiliza cookies", "este site usa cookies",
    "aceitar cookies", "wij gebruiken cookies", "we gebruiken cookies", "deze website gebruikt cookies",
    "cookies accepteren", "мы используем cookie", "мы используем файлы cookie", "сайт использует cookie",
    "сайт использует файлы cookie", "мы используем куки", "сайт использует куки", "używamy plików cookie",
    "ta strona używa plików cookie", "çerez kullanıyoruz",
)  # fmt: skip
# ...and it is one when each of its paragraphs speaks of cookies, consent or choices, or is a button's label.
_NOTICE_WORDS = (
    "cookie", "куки", "çerez", "consent", "einwillig", "zustimm", "gdpr", "rgpd", "dsgvo", "privacy", "privacidad",
    "datenschutz", "confidentialit", "personal data", "données personnelles", "datos personales", "dati personali",
    "personenbezogen", "персональн", "конфиденциальн", "partner", "accept", "akzept", "acept", "accett", "refus",
    "ablehn", "rechaz", "rifiut", "setting", "paramètre", "einstellung", "configura", "preferenc", "préférenc",
)  # fmt: skip
_LABEL = 40  # characters: a paragraph this short in a cookie notice is one of its buttons


@dataclass(frozen=True, slots=True)
class Body:
    paragraphs: tuple[str, ...]
    navigation: tuple[str, ...] = ()  # the skip links and the like left out of the paragraphs
    # The prose (characters, blanks aside) of the largest landmark of the top of the page that the pruning dropped,
    # when it made the body implausibly short; 0 otherwise.
    swallowed: int = 0


def paragraphs(root: lxml_html.HtmlElement) -> tuple[str, ...]:
    """The article's text, one paragraph per text block. It changes the tree (datelines go): read the rest first."""
    return extract(root).paragraphs


def extract(root: lxml_html.HtmlElement) -> Body:
    """The article's text (see the module's docstring), and what not_an_article needs to judge it. It changes the
    tree (datelines go): read the rest first."""
    in_paragraph = Inherited(lambda el: el.tag == "p")
    for time in [t for t in root.iter("time") if in_paragraph(t.getparent())]:
        time.drop_tag()  # a <time> in a sentence is words of it; trafilatura would delete it, words and all
    drop_all(_dateline_blocks(root))  # "Published <time>": the label with its time
    # a dateline between blocks: trafilatura would run the whole article into one paragraph
    in_text = Inherited(is_text_block)
    drop_all([time for time in root.iter("time") if not in_text(time.getparent())])
    first = _body(_extracted(_pruned(root)))
    size = _size(first.paragraphs)
    if size >= SHORT_BODY:
        return first
    least = max(LANDMARK_PROSE, SHORT_RATIO * size)
    prose = prose_sizes(root)
    swallowed = max((prose[el] for el in landmarks(root) if opens_the_page(el)), default=0)
    if swallowed < least:
        return first
    fallback = _body(_extracted(_pruned(root, unwrap=least)))
    if _size(fallback.paragraphs) >= max(2 * size, 1):
        return Body(fallback.paragraphs, fallback.navigation, swallowed)
    return Body(first.paragraphs, first.navigation, swallowed)


def not_an_article(paragraphs: tuple[str, ...], body: Body) -> str | None:
    """Why the paragraphs left of a page's body (its headline and dateline aside) are no article, or None."""
    if not paragraphs:
        if not body.navigation:
            return None
        links = ", ".join(f"'{text}'" for text in body.navigation[:3])
        return f"an HTML page whose only text outside its header, navigation and footer is navigation ({links})"
    if _is_cookie_notice(paragraphs):
        return "an HTML page whose only text outside its header, navigation and footer is a cookie or consent notice"
    if body.swallowed and (size := _size(paragraphs)) < MIN_BODY:
        return (
            f"an HTML page whose text is in its site header or navigation ({body.swallowed} characters of text), "
            f"with {size} characters outside them: navigation, not an article"
        )
    return None


def _extracted(tree: lxml_html.HtmlElement) -> str | None:
    document = trafilatura.bare_extraction(
        tree,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=False,
        with_metadata=False,
    )
    text = getattr(document, "text", None)
    return text if isinstance(text, str) else None


def _body(text: str | None) -> Body:
    """The extracted text's paragraphs, one per line, skip links left out."""
    if text is None:
        return Body(())
    lines = [s for line in text.split("\n") if (s := line.strip())]
    navigation = tuple(line for line in lines if _is_skip_link(line))
    if not navigation:
        return Body(tuple(lines))
    return Body(tuple(line for line in lines if not _is_skip_link(line)), navigation)


def _size(paragraphs: tuple[str, ...]) -> int:
    return sum(nonblank(p) for p in paragraphs)


def _is_skip_link(text: str) -> bool:
    return len(text) <= _SKIP_LINK_TEXT and " ".join(_NOT_WORDS.sub(" ", text.casefold()).split()) in _SKIP_LINKS


def _is_cookie_notice(paragraphs: tuple[str, ...]) -> bool:
    if sum(len(p) for p in paragraphs) > COOKIE_TEXT:
        return False
    low = [p.casefold() for p in paragraphs]
    if not any(phrase in text for text in low for phrase in _NOTICE_PHRASES):
        return False
    return all(len(text) < _LABEL or any(word in text for word in _NOTICE_WORDS) for text in low)


def _pruned(root: lxml_html.HtmlElement, *, unwrap: int | None = None) -> lxml_html.HtmlElement:
    """A copy of the page without navigation, site header and footer, asides, dialogs, cookie banners and
    datelines, pruned one rule after the other as trafilatura's prune_xpath does; the page's article container
    kept out of a landmark around it. With `unwrap`, the landmarks of the top of the page that hold that much
    prose are unwrapped (their text left in place) rather than dropped."""
    tree = copy(root)
    marks = landmarks(tree)
    _keep_article(tree, marks)
    if unwrap is not None:
        prose = prose_sizes(tree)
        wide = {el for el in marks if opens_the_page(el) and prose[el] >= unwrap}
        for el in marks:
            if el in wide and el.getparent() is not None:
                el.drop_tag()
        marks = [el for el in marks if el not in wide]
    drop_all(marks)
    if cookies := [el for el in tree.xpath("//*[@id or @class]") if _is_cookie_banner(el)]:
        sizes = TextSizes(tree)
        drop_all([el for el in cookies if sizes[el][0] < COOKIE_TEXT])
    drop_all(_dateline_blocks(tree))
    return tree


def _keep_article(tree: lxml_html.HtmlElement, marks: list[lxml_html.HtmlElement]) -> None:
    """Move the page's largest article container out of the landmark around it (before it, in its place), when it
    holds at least 1/_CONTAINER_SHARE of the page's prose: a malformed page's article, not a teaser card."""
    marked = set(marks)
    in_landmark = Inherited(lambda el: el in marked)
    in_container = Inherited(is_article_container)
    outermost = [
        el
        for el in tree.iter(etree.Element)
        if is_article_container(el) and ((parent := el.getparent()) is None or not in_container(parent))
    ]
    if not any((parent := el.getparent()) is not None and in_landmark(parent) for el in outermost):
        return
    prose = prose_sizes(tree)
    article = max(outermost, key=prose.__getitem__)
    parent = article.getparent()
    if parent is None or not in_landmark(parent) or _CONTAINER_SHARE * prose[article] < prose[tree]:
        return
    outer = next(el for el in reversed([*article.iterancestors()]) if el in marked)
    article.tail = None  # the text after it is the landmark's
    outer.addprevious(article)


def _is_cookie_banner(el: etree._Element) -> bool:
    if el.tag in ("html", "body", "main", "article"):
        return False
    low = id_class(el)
    return any(mark in low for mark in _COOKIE_MARKS)


def _dateline_blocks(tree: lxml_html.HtmlElement) -> list[lxml_html.HtmlElement]:
    if not (blocks := tree.xpath(_DATELINE_BLOCK)):
        return []
    sizes = TextSizes(tree)
    return [el for el in blocks if sizes[el][0] < MAX_DATE]
