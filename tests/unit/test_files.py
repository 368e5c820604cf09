"""services.ingest.files: which inbox names are articles, and bytes -> text with the encoding recorded."""

from __future__ import annotations

import codecs
import itertools
import os
import random
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.ingest.files import (
    Decoded,
    Undecodable,
    _noisy,
    decode,
    is_candidate,
    is_numbered,
    numbered_name,
    report_name,
)

SEED = (Path(__file__).resolve().parents[2] / "seeds" / "000_d7b03ab2b022693d.txt").read_text(encoding="utf-8")
PROPS = settings(max_examples=150, deadline=None)

RU = (
    "Пресс-секретарь президента России Дмитрий Песков заявил в среду, что Россия не позволит американцам "
    "разговаривать с ней с позиции силы. По его словам, ни президент Владимир Путин, ни кто-либо другой в "
    "российском руководстве не допустит такого тона. Возможность разрыва дипломатических отношений с "
    "Вашингтоном он назвал крайним сценарием."
)
FR = (
    "Le porte-parole du Kremlin, Dmitri Peskov, a déclaré mercredi que la Russie ne permettrait pas aux "
    "Américains de lui parler en position de force. Selon lui, ni le président Vladimir Poutine ni aucun autre "
    "dirigeant russe n'acceptera un tel ton. Il a également qualifié de scénario extrême la possibilité d'une "
    "rupture des relations diplomatiques avec Washington, tout en refusant de commenter davantage cette "
    "éventualité. Les relations entre les deux pays se sont fortement dégradées ces dernières années."
)
FR_GUILLEMETS = (
    "Le porte-parole du Kremlin a déclaré mercredi que la Russie ne permettra pas aux Américains de lui parler "
    "en position de force. « C'est exclu », a-t-il précisé à l'été."
)
DE = (
    "Kremlsprecher Dmitri Peskow hat am Mittwoch erklärt, Russland werde es den Amerikanern nicht erlauben, "
    "aus einer Position der Stärke mit Moskau zu sprechen. Weder Präsident Wladimir Putin noch jemand anderes "
    "in der russischen Führung werde das zulassen. Einen Abbruch der diplomatischen Beziehungen zu Washington "
    "bezeichnete er als extremes Szenario. Die Beziehungen zwischen beiden Ländern haben sich in den "
    "vergangenen Jahren deutlich verschlechtert, unter anderem wegen der Ukraine und Syrien."
)
ES = (
    "El portavoz del Kremlin, Dmitri Peskov, afirmó el miércoles que Rusia no permitirá que los "
    "estadounidenses le hablen desde una posición de fuerza. Según él, ni el presidente Vladímir Putin ni "
    "ningún otro dirigente ruso aceptará ese tono. También calificó de escenario extremo la posibilidad de "
    "romper las relaciones diplomáticas con Washington. Las relaciones entre ambos países se han deteriorado "
    "mucho en los últimos años, sobre todo por Siria, Ucrania y las acusaciones de injerencia electoral."
)
PT = (
    "O porta-voz do Kremlin, Dmitri Peskov, afirmou na quarta-feira que a Rússia não permitirá que os "
    "americanos lhe falem a partir de uma posição de força. Segundo ele, nem o presidente Vladimir Putin nem "
    "nenhum outro dirigente russo aceitará esse tom. As relações entre os dois países deterioraram-se muito nos "
    "últimos anos, e as negociações não avançaram."
)
IT = (
    "Il portavoce del Cremlino, Dmitri Peskov, ha dichiarato mercoledì che la Russia non permetterà agli "
    "americani di parlarle da una posizione di forza. Secondo lui, né il presidente Vladimir Putin né nessun "
    "altro dirigente russo accetterà quel tono. Le relazioni tra i due paesi sono peggiorate molto negli ultimi "
    "anni, perché la crisi è già profonda."
)
FR_OE_EURO = (  # œ and € are where Latin-9 differs from Latin-1 and Windows-1252
    "Le cœur du problème, selon l'économiste, reste le coût de l'énergie : une hausse de 30 € par mois pour un "
    "foyer sur deux. Les œuvres sociales des entreprises ne suffiront pas, a-t-il ajouté."
)
PL = (
    "Rzecznik Kremla Dmitrij Pieskow oświadczył w środę, że Rosja nie pozwoli Amerykanom rozmawiać z nią z "
    "pozycji siły. Według niego ani prezydent Władimir Putin, ani nikt inny w rosyjskim kierownictwie nie "
    "zaakceptuje takiego tonu. Stosunki między oboma krajami znacznie się pogorszyły w ostatnich latach."
)
CS = (
    "Mluvčí Kremlu Dmitrij Peskov ve středu prohlásil, že Rusko nedovolí Američanům, aby s ním mluvili z "
    "pozice síly. Podle něj by takový tón nepřijal ani prezident Vladimir Putin, ani nikdo jiný z ruského "
    "vedení. Vztahy mezi oběma zeměmi se v posledních letech výrazně zhoršily."
)
HU = (
    "Dmitrij Peszkov, a Kreml szóvivője szerdán kijelentette, hogy Oroszország nem engedi meg az "
    "amerikaiaknak, hogy erőfölényből beszéljenek vele. Szerinte ezt sem Vlagyimir Putyin elnök, sem más orosz "
    "vezető nem fogadná el. Ő is úgy látja, hogy a két ország viszonya az utóbbi években jelentősen romlott."
)
EL = (
    "Ο εκπρόσωπος του Κρεμλίνου Ντμίτρι Πεσκόφ δήλωσε την Τετάρτη ότι η Ρωσία δεν θα επιτρέψει στους "
    "Αμερικανούς να της μιλούν από θέση ισχύος. Οι σχέσεις των δύο χωρών έχουν επιδεινωθεί σημαντικά τα "
    "τελευταία χρόνια."
)
TR = (
    "Kremlin Sözcüsü Dmitriy Peskov çarşamba günü yaptığı açıklamada, Rusya'nın Amerikalıların kendisiyle güç "
    "pozisyonundan konuşmasına izin vermeyeceğini söyledi. İki ülke arasındaki ilişkiler son yıllarda önemli "
    "ölçüde kötüleşti."
)


def _decoded(data: bytes) -> Decoded:
    result = decode(data)
    assert isinstance(result, Decoded), result
    return result


# --- is_candidate ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        ".hidden",
        ".DS_Store",
        ".article.txt.swp",
        "article.txt.swp",
        "article.tmp",
        "ARTICLE.TMP",
        "article.txt.tmp",
        "article.part",
        "article.txt.part",
        "article.partial",
        "article.crdownload",
        "article.txt~",
        "~article.txt",
        "~$article.docx",
        ".~lock.article.txt#",
        "",
    ],
)
def test_hidden_temporary_and_lock_files_are_not_candidates(name: str) -> None:
    assert not is_candidate(name)


@pytest.mark.parametrize(
    "name",
    [
        "000_d7b03ab2b022693d.txt",
        "article.txt",
        "Article.TXT",
        "article",
        "my article (1).txt",
        "статья о Пескове.txt",
        "報道 2021-03-31.txt",
        "naïve café – été.txt",
        "article.json",
        "article.html",
        "part.txt",
        "tmp article.txt",
        "report.partial.txt",
    ],
)
def test_ordinary_names_including_unicode_and_spaces_are_candidates(name: str) -> None:
    assert is_candidate(name)


_stem = st.text(st.characters(categories=["L", "N", "Zs"], include_characters="-_()"), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and not s.startswith(("~", "."))
)


@given(stem=_stem, ext=st.sampled_from([".txt", ".TXT", "", ".md", ".json", ".html"]))
@PROPS
def test_any_plain_name_is_a_candidate(stem: str, ext: str) -> None:
    assert is_candidate(stem + ext)


@given(
    stem=_stem,
    suffix=st.sampled_from([".tmp", ".TMP", ".part", ".partial", ".crdownload", ".swp", ".Part", "~"]),
    prefix=st.sampled_from(["", ".", "~", ".~lock."]),
)
@PROPS
def test_any_name_with_a_temporary_suffix_or_hidden_prefix_is_not_a_candidate(
    stem: str, suffix: str, prefix: str
) -> None:
    assert not is_candidate(prefix + stem + ".txt" + suffix)
    if prefix:
        assert not is_candidate(prefix + stem + ".txt")


# --- names within 255 bytes: numbered choices and error reports -----------------------------------------------


@pytest.mark.parametrize(
    ("name", "n", "numbered"),
    [
        ("story.txt", 1, "story.1.txt"),
        ("story.txt", 12, "story.12.txt"),
        ("README", 2, "README.2"),
        ("a.tar.gz", 1, "a.tar.1.gz"),
        ("a" * 251 + ".txt", 1, "a" * 249 + ".1.txt"),  # 255 bytes, the stem shortened to fit
        ("é" * 125 + ".txt", 1, "é" * 124 + ".1.txt"),  # shortened at a character, never inside one
        ("x." + "s" * 253, 3, "x." + "s" * 251 + ".3"),  # a suffix too long to keep is part of the stem
    ],
)
def test_a_taken_name_is_numbered_before_its_suffix_within_255_bytes(name: str, n: int, numbered: str) -> None:
    assert numbered_name(name, n) == numbered
    assert is_numbered(numbered, name)
    assert not is_numbered(numbered, "other.txt")
    assert not is_numbered(name, name)


def test_a_report_is_named_after_its_file_or_shortened_with_a_hash_when_that_is_too_long() -> None:
    short = report_name("story.txt")
    long_name, other = "n" * 250 + ".txt", "n" * 250 + ".md"
    long = report_name(long_name)

    assert short == "story.txt.error.json"
    assert report_name("a" * 244) == "a" * 244 + ".error.json"  # exactly 255 bytes: kept whole
    assert len(long.encode()) == 255
    assert long.startswith("n" * 200)
    assert long.endswith(".error.json")
    assert long == report_name(long_name)  # deterministic
    assert report_name(other) != long  # names alike for 227 bytes still get their own report


_any_name = st.binary(min_size=1, max_size=255).filter(lambda b: b"/" not in b and b"\0" not in b and b[:1] != b".")


@given(raw=_any_name, n=st.integers(1, 10**6))
@PROPS
def test_any_name_numbered_or_reported_stays_within_255_bytes_and_visible(raw: bytes, n: int) -> None:
    name = os.fsdecode(raw)
    numbered, report = numbered_name(name, n), report_name(name)

    for made in (numbered, report):
        assert 0 < len(os.fsencode(made)) <= 255
        assert "/" not in made
        assert not made.startswith(".")
    assert is_numbered(numbered, name)
    assert not is_candidate(report)


# --- decode: empty and not text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b" ",
        b"\n\r\n\t  ",
        codecs.BOM_UTF8,
        codecs.BOM_UTF8 + b"  \r\n",
        codecs.BOM_UTF16_LE,
        "   \n".encode("utf-16"),
    ],
)
def test_empty_or_whitespace_only_files_are_undecodable_as_empty(data: bytes) -> None:
    result = decode(data)
    assert isinstance(result, Undecodable)
    assert result.reason == "empty"
    assert result.detail


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + random.Random(1).randbytes(300), id="png"),
        pytest.param(b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + random.Random(2).randbytes(300), id="zip"),
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + bytes(8) + random.Random(3).randbytes(300), id="elf"),
        pytest.param(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + random.Random(4).randbytes(300), id="jpeg"),
        pytest.param(b"text\x00with\x00nul\x00bytes\x00" * 20, id="nul-bytes"),
        pytest.param(b"a\x01b\x02c\x03d\x04e\x05f\x06" * 10, id="control-characters"),
    ],
)
def test_binary_files_are_undecodable_as_not_text(data: bytes) -> None:
    result = decode(data)
    assert isinstance(result, Undecodable)
    assert result.reason == "not_text"
    assert result.detail


@given(seed=st.integers(0, 2**32), size=st.integers(64, 2048), drop_nul=st.booleans())
@PROPS
def test_random_binary_is_not_text(seed: int, size: int, drop_nul: bool) -> None:
    data = random.Random(seed).randbytes(size)
    if drop_nul:
        data = data.replace(b"\x00", b"")
    result = decode(data)
    assert isinstance(result, Undecodable)
    assert result.reason == "not_text"


_C0_BUT_WHITESPACE = dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x20)])


@given(
    text=st.one_of(
        st.text(max_size=400),
        st.text(alphabet=st.sampled_from("ab \t\n\r\x00\x01\x08\x0b\x0e\x1f\x7f\x85é€😀"), max_size=9000),
    )
)
@settings(max_examples=400, deadline=None)
def test_noisy_counts_exactly_the_c0_controls_that_are_not_whitespace(text: str) -> None:
    """_noisy counts in UTF-8 bytes; the same count as the characters' (a C0 control is one byte, and
    no byte of another character is one), on the first 8192 characters."""
    sample = text[:8192]
    controls = len(sample) - len(sample.translate(_C0_BUT_WHITESPACE))
    assert _noisy(text) is (controls > max(2, len(sample) // 100))


def test_a_utf16_byte_order_mark_on_bytes_that_are_not_utf16_is_not_text() -> None:
    result = decode(codecs.BOM_UTF16_LE + b"\x00\xd8abc")  # lone surrogate, then a truncated unit
    assert isinstance(result, Undecodable)
    assert result.reason == "not_text"
    assert "utf-16" in result.detail


# --- decode: encodings, each recorded --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(SEED.encode("utf-8"), "utf-8", id="utf-8"),
        pytest.param(SEED.encode("utf-8-sig"), "utf-8", id="utf-8+bom"),
        pytest.param(SEED.encode("utf-16"), "utf-16", id="utf-16+bom"),
        pytest.param(codecs.BOM_UTF16_BE + SEED.encode("utf-16-be"), "utf-16", id="utf-16be+bom"),
        pytest.param(SEED.encode("utf-16-le"), "utf-16-le", id="utf-16le-no-bom"),
        pytest.param(SEED.encode("utf-16-be"), "utf-16-be", id="utf-16be-no-bom"),
        pytest.param(SEED.encode("utf-32"), "utf-32", id="utf-32+bom"),
        pytest.param(SEED.replace("\n", "\r\n").encode("utf-8"), "utf-8", id="utf-8-crlf"),
    ],
)
def test_the_seed_decodes_to_its_text_with_the_encoding_recorded(data: bytes, encoding: str) -> None:
    result = _decoded(data)
    assert result.encoding == encoding
    assert result.text.removeprefix("\ufeff").replace("\r\n", "\n") == SEED
    assert not result.text.startswith("\ufeff"), "the byte-order mark is not text"


def test_crlf_line_ends_are_left_for_the_parser_to_normalise() -> None:
    text = SEED.replace("\n", "\r\n")
    assert _decoded(text.encode("utf-8")).text == text


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        pytest.param(RU, "utf-16-le", id="russian-utf-16-le"),
        pytest.param(RU, "utf-16-be", id="russian-utf-16-be"),
        pytest.param(FR, "utf-16-le", id="french-utf-16-le"),
    ],
)
def test_utf16_without_a_byte_order_mark_is_recognised(text: str, encoding: str) -> None:
    result = _decoded(text.encode(encoding))
    assert result.text == text
    assert result.encoding == encoding


def test_windows_1251_russian_decodes_and_is_named_cp1251() -> None:
    result = _decoded(RU.encode("cp1251"))
    assert result.text == RU
    assert result.encoding == "cp1251"


def test_windows_1252_french_decodes_and_is_named_cp1252() -> None:
    result = _decoded(FR.encode("cp1252"))
    assert result.text == FR
    assert result.encoding == "cp1252"


def test_latin1_french_decodes_to_the_same_text_named_by_its_windows_superset() -> None:
    result = _decoded(FR.encode("latin-1"))
    assert result.text == FR
    assert result.encoding == "cp1252"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(DE, id="german"),
        pytest.param(ES, id="spanish"),
        pytest.param(FR_GUILLEMETS, id="french-guillemets"),
    ],
)
def test_windows_1252_news_text_decodes_without_mojibake(text: str) -> None:
    """A paragraph of ordinary news prose in Windows-1252 must come back as written (not as cp775/cp1250/...)."""
    result = decode(text.encode("cp1252"))
    assert isinstance(result, Decoded)
    assert result.text == text, f"decoded as {result.encoding}: {result.text[:120]!r}"


@pytest.mark.parametrize("text", ["Песков: Россия не позволит", "Россиянепозволитамериканцам"])
def test_valid_utf8_cyrillic_is_decoded_as_utf8_not_as_utf16(text: str) -> None:
    """Strictly valid UTF-8 without NUL bytes is UTF-8; the UTF-16 (no BOM) guess must not win over it."""
    result = _decoded(text.encode("utf-8"))
    assert (result.encoding, result.text) == ("utf-8", text)


@pytest.mark.parametrize(
    ("text", "encoding", "names"),
    [
        pytest.param(PT, "cp1252", {"cp1252"}, id="portuguese-cp1252"),
        pytest.param(IT, "cp1252", {"cp1252"}, id="italian-cp1252"),
        pytest.param(DE, "latin-1", {"cp1252"}, id="german-latin-1"),
        pytest.param(ES, "latin-1", {"cp1252"}, id="spanish-latin-1"),
        pytest.param(FR_OE_EURO, "iso8859-15", {"iso8859-15"}, id="french-latin-9"),
        pytest.param(PL, "cp1250", {"cp1250"}, id="polish-cp1250"),
        pytest.param(PL, "iso8859-2", {"iso8859-2"}, id="polish-latin-2"),
        pytest.param(CS, "cp1250", {"cp1250"}, id="czech-cp1250"),
        pytest.param(CS, "iso8859-2", {"iso8859-2"}, id="czech-latin-2"),
        pytest.param(HU, "cp1250", {"cp1250"}, id="hungarian-cp1250"),
        pytest.param(RU, "koi8-r", {"koi8-r"}, id="russian-koi8-r"),
        pytest.param(EL, "cp1253", {"cp1253"}, id="greek-cp1253"),
        pytest.param(TR, "cp1254", {"cp1254"}, id="turkish-cp1254"),
        pytest.param(TR, "iso8859-9", {"cp1254", "iso8859-9"}, id="turkish-latin-5"),  # same letters, same bytes
    ],
)
def test_single_byte_news_text_decodes_as_written(text: str, encoding: str, names: set[str]) -> None:
    """Each legacy code page a newsroom may still send: the paragraph comes back as written, its code page named."""
    result = _decoded(text.encode(encoding))
    assert result.text == text, f"decoded as {result.encoding}: {result.text[:120]!r}"
    assert result.encoding in names


@pytest.mark.parametrize(
    "text",
    [
        "Der dänische Regisseur Søren Kragh-Jacobsen traf den Spanier Peña am Mittwoch in Zürich.",
        "Le ministre a rencontré mercredi son homologue Ångström à Genève ; « c’est un succès », a-t-il dit.",
        "The café owner, José Müller, said the naïve plan would cost €2m – “too much” – at 25 °C in m².",
        "Nº 5: el 1º de mayo, la 2ª edición del festival reunió a 3.000 personas en Málaga.",
    ],
)
def test_windows_1252_text_with_foreign_names_and_symbols_decodes_as_written(text: str) -> None:
    """A name from another language (ø in German, Å in French) or a symbol does not tip the text into cp1250."""
    result = _decoded(text.encode("cp1252"))
    assert (result.encoding, result.text) == ("cp1252", text)


# --- decode: properties ----------------------------------------------------------------------------------------

_any_text = st.text(
    st.characters(categories=["L", "N", "P", "S", "Zs"], include_characters="\n\t", exclude_characters="\ufeff"),
    min_size=1,
    max_size=300,
).filter(lambda t: t.strip() != "")


@given(text=_any_text, crlf=st.booleans())
@example(text="Песков: Россия не позволит", crlf=False)  # pinned: random search finds this class only sometimes
@PROPS
def test_any_text_survives_utf8(text: str, crlf: bool) -> None:
    if crlf:
        text = text.replace("\n", "\r\n")
    result = _decoded(text.encode("utf-8"))
    assert (result.encoding, result.text) == ("utf-8", text)


@given(text=_any_text)
@PROPS
def test_any_text_survives_utf8_with_bom(text: str) -> None:
    result = _decoded(text.encode("utf-8-sig"))
    assert (result.encoding, result.text) == ("utf-8", text)


@given(text=_any_text, big_endian=st.booleans())
@PROPS
def test_any_text_survives_utf16_with_bom(text: str, big_endian: bool) -> None:
    data = (
        codecs.BOM_UTF16_BE + text.encode("utf-16-be") if big_endian else codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    )
    result = _decoded(data)
    assert (result.encoding, result.text) == ("utf-16", text)


@given(text=_any_text, big_endian=st.booleans())
@PROPS
def test_any_text_survives_utf32_with_bom(text: str, big_endian: bool) -> None:
    data = (
        codecs.BOM_UTF32_BE + text.encode("utf-32-be") if big_endian else codecs.BOM_UTF32_LE + text.encode("utf-32-le")
    )
    result = _decoded(data)
    assert (result.encoding, result.text) == ("utf-32", text)


# Realistic prose for the byte-sniffing paths (no BOM): detection needs words of a language, not random characters.
def _words(text: str) -> list[str]:
    return text.split()


RU_WORDS = _words(
    "Россия не позволит американцам разговаривать с позиции силы это исключено заявил пресс-секретарь президента "
    "Дмитрий Песков в интервью газете Аргументы и факты опубликованном во вторник ещё объём съезд Кремль Москва "
    "Вашингтон отношения санкции посол консультации доклад выборы администрация"
)
LATIN_WORDS = {
    "fr": _words(
        "le la les des une été très déjà où à ça garçon français élève Noël cœur hôtel forêt fenêtre château "
        "année réunion président ministre économie société déclaré après général sécurité relations Kremlin"
    ),
    "de": _words(
        "der die das und für über Größe Straße Mädchen schön Übung Österreich müssen können Zürich Regierung "
        "erklärte später Außenminister Präsident Beziehungen Stärke Führung Länder Jahren"
    ),
    "es": _words(
        "el la los año mañana niño señor España político corazón información después según también están "
        "dirección presidente relaciones Kremlin portavoz miércoles últimos países acusación"
    ),
}


def _prose(words: list[str]) -> st.SearchStrategy[str]:
    """Sentences of distinct words from the vocabulary, in random order, at least 18 words in all."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        order = draw(st.permutations(words))[: draw(st.integers(18, len(words)))]
        cuts = sorted(draw(st.sets(st.integers(4, len(order) - 4), max_size=3)))
        bounds = [0, *cuts, len(order)]
        sentences = [" ".join(order[a:b]) for a, b in itertools.pairwise(bounds) if b > a]
        return " ".join(s[0].upper() + s[1:] + "." for s in sentences)

    return build()


@given(text=_prose(RU_WORDS), crlf=st.booleans())
@PROPS
def test_russian_prose_survives_windows_1251(text: str, crlf: bool) -> None:
    if crlf:
        text = text.replace(". ", ".\r\n")
    result = _decoded(text.encode("cp1251"))
    assert result.text == text, f"decoded as {result.encoding}"


@given(text=st.sampled_from(sorted(LATIN_WORDS)).flatmap(lambda lang: _prose(LATIN_WORDS[lang])))
@example(text=" ".join(LATIN_WORDS["es"]).capitalize() + ".")
@example(text=" ".join(LATIN_WORDS["de"]).capitalize() + ".")
@PROPS
def test_latin_prose_survives_windows_1252(text: str) -> None:
    result = _decoded(text.encode("cp1252"))
    assert result.text == text, f"decoded as {result.encoding}"


@given(
    text=st.sampled_from([RU_WORDS, *LATIN_WORDS.values()]).flatmap(_prose),
    encoding=st.sampled_from(["utf-16-le", "utf-16-be"]),
)
@PROPS
def test_prose_survives_utf16_without_bom(text: str, encoding: str) -> None:
    result = _decoded(text.encode(encoding))
    assert (result.encoding, result.text) == (encoding, text)


CENTRAL_EUROPEAN_WORDS = {
    "pl": _words(
        "że się już można który będzie właśnie przez rząd ministra oświadczył pieniądze źródło gospodarka wzrost "
        "żądanie zgoda Łódź Kraków sąd mówi środę także więcej później wśród polskich Pieskow pozycji siły"
    ),
    "cs": _words(
        "že řekl vláda ministr představila příjmy zůstane pomoc středu Přečtěte úterý nízkými mimořádných "
        "energetických společností sněmovna schválí podepíše zákon ještě během další Peskov Američanům"
    ),
}


@given(
    text=st.sampled_from(sorted(CENTRAL_EUROPEAN_WORDS)).flatmap(lambda lang: _prose(CENTRAL_EUROPEAN_WORDS[lang])),
    encoding=st.sampled_from(["cp1250", "iso8859-2"]),
)
@PROPS
def test_central_european_prose_survives_its_code_pages(text: str, encoding: str) -> None:
    """Polish and Czech letters that Windows-1252 lacks (ą ę ł ś ż, ř ě ů) keep the text out of cp1252."""
    result = _decoded(text.encode(encoding))
    assert result.text == text, f"decoded as {result.encoding}"


# --- legacy encodings of many scripts, as newsroom systems still write them ------------------------------------------

_SCRIPTS = {
    "ja": "\n\n".join(
        [
            "2021年3月31日 11:59",
            "東京で首脳会談が開かれた",
            "政府は31日、東京で首脳会談を開き、貿易と安全保障について協議したと発表した。会談は約二時間続いた。",
        ]
    ),
    "zh": "\n\n".join(
        [
            "2021年3月31日 11:59",
            "北京举行经济论坛",
            "国务院31日在北京举行经济论坛，讨论贸易和投资问题。与会者表示，合作将继续加强。",
        ]
    ),
    "zh-tw": "\n\n".join(
        [
            "2021年3月31日 11:59",
            "台北舉行經濟論壇",
            "行政院31日在台北舉行經濟論壇，討論貿易和投資問題。與會者表示，合作將繼續加強。",
        ]
    ),
    "ko": "\n\n".join(
        [
            "2021년 3월 31일 11:59",
            "서울에서 정상회담 개최",
            "정부는 31일 서울에서 정상회담을 열고 무역과 안보 문제를 논의했다고 밝혔다.",
        ]
    ),
    "ar": "\n\n".join(
        [
            "31 مارس 2021",
            "قمة في القاهرة",
            "عقدت الحكومة يوم الأربعاء قمة في القاهرة لبحث التجارة والأمن، وقال المتحدث إن المحادثات كانت بناءة.",
        ]
    ),
    "el": "\n\n".join(
        [
            "31 Μαρτίου 2021",
            "Σύνοδος στην Αθήνα",
            "Η κυβέρνηση πραγματοποίησε σύνοδο στην Αθήνα για το εμπόριο και την ασφάλεια, δήλωσε ο εκπρόσωπος.",
        ]
    ),
    "ru": "\n\n".join(
        [
            "31 марта 2021, 11:59",
            "Встреча в Москве",
            "Правительство провело встречу в Москве, чтобы обсудить торговлю и безопасность, заявил представитель.",
        ]
    ),
    "he": "\n\n".join(
        [
            "31 במרץ 2021",
            "פסגה בירושלים",
            "הממשלה קיימה פסגה בירושלים כדי לדון בסחר ובביטחון, אמר הדובר.",
        ]
    ),
    "tr": "\n\n".join(
        [
            "31 Mart 2021",
            "Ankara'da zirve",
            "Hükümet, ticaret ve güvenliği "
            "görüşmek üzere Ankara'da bir z"
            "irve düzenlediğini açıkladı; s"
            "özcü görüşmelerin yapıcı geçti"
            "ğini söyledi.",
        ]
    ),
    "pl": "\n\n".join(
        [
            "31 marca 2021",
            "Szczyt w Warszawie",
            "Rząd zorganizował szczyt w War"
            "szawie, aby omówić handel i be"
            "zpieczeństwo, powiedział rzecz"
            "nik. Rozmowy były owocne, żółć"
            ".",
        ]
    ),
    "de": "\n\n".join(
        [
            "31. März 2021",
            "Gipfel in Berlin",
            "Die Regierung hat in Berlin ei"
            "nen Gipfel über Handel und Sic"
            "herheit abgehalten, sagte der "
            "Sprecher. Die Gespräche waren "
            "größtenteils konstruktiv.",
        ]
    ),
}


@pytest.mark.parametrize(
    ("script", "encoding"),
    [("ja", "shift_jis"), ("ja", "euc_jp"), ("zh", "gb18030"), ("zh-tw", "big5"), ("ko", "euc_kr"), ("ar", "cp1256"),
     ("ar", "iso8859_6"), ("el", "iso8859_7"), ("el", "cp1253"), ("ru", "koi8_r"), ("ru", "cp1251"),
     ("ru", "iso8859_5"), ("ru", "cp866"), ("he", "cp1255"), ("he", "iso8859_8"), ("tr", "cp1254"),
     ("tr", "iso8859_9"), ("pl", "cp1250"), ("pl", "iso8859_2"), ("de", "cp1252"), ("de", "latin_1"),
     ("de", "mac_roman")],
)  # fmt: skip
def test_articles_in_legacy_encodings_of_many_scripts_decode_to_their_exact_text(script: str, encoding: str) -> None:
    text = _SCRIPTS[script]
    decoded = decode(text.encode(encoding))
    assert isinstance(decoded, Decoded), decoded
    assert decoded.text == text, f"{script} in {encoding} read as {decoded.encoding}"
