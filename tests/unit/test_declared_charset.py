"""services.ingest.files.decode: the charset an HTML or XML page declares, and legacy code pages told apart by script.

The paragraphs below are written for these tests (news-like, in the languages whose code pages they exercise) and
encoded here in the code page under test.
"""

from __future__ import annotations

import pytest

from services.ingest.files import Decoded, decode

# --- fixtures ------------------------------------------------------------------------------------------------------

PL = (
    "Źródła w Sejmie mówią, że porozumienie w sprawie ustawy medialnej jest bliżej niż kiedykolwiek. Według "
    "marszałka większość klubów zagłosowała za poprawkami, a tylko jeden poseł koalicji zagłosował przeciw. "
    "Ostateczne głosowanie odbędzie się w środę."
)
CS = (
    "Vláda ve středu schválila návrh rozpočtu na příští rok. Ministr financí řekl, že schodek klesne pod tři "
    "procenta, ale opozice tvrdí, že čísla jsou příliš optimistická. Peníze na opravy škol a silnic dostanou "
    "kraje už v říjnu."
)
FR = "Le marché de Noël ouvrira à Strasbourg dès vendredi ; l'œuvre lumineuse de la place Kléber coûte 40 000 €."
RO = (
    "Consiliul General al Municipiului București a aprobat miercuri bugetul pentru anul următor. Primarul a spus "
    "că lucrările la noua linie de metrou vor începe în toamnă, iar școlile și spitalele vor primi mai mulți bani."
)
UK = (
    "Київська міська рада в четвер ухвалила бюджет на наступний рік. Найбільше коштів отримають школи, лікарні "
    "та громадський транспорт. Депутати також погодили ремонт двох мостів через Дніпро."
)
RU = (
    "В Новосибирске открылся новый мост через Обь. По словам мэра, движение по нему начнётся уже в понедельник, "
    "а ремонт старого моста займёт два года."
)
BG = (
    "Столичният общински съвет прие бюджета за следващата година. Най-много средства ще получат училищата и "
    "градският транспорт, съобщиха от кметството."
)
SR = "Влада Србије је у четвртак усвојила нови закон о раду. Синдикати кажу да ће штрајк почети у понедељак."
EL_FERRY = "Την Κυριακή το πλοίο δεν έφυγε παρά τις υποσχέσεις. Οι επιβάτες περίμεναν στο λιμάνι ως το βράδυ."
EL_METRO = (
    "Ο δήμαρχος της Θεσσαλονίκης δήλωσε ότι τα έργα του μετρό θα ολοκληρωθούν μέσα στο έτος, παρά τις καθυστερήσεις."
)
EL_RAIN = "Στη Λάρισα η βροχή προκάλεσε ζημιές και η κυβέρνηση δεν απαντά."
EL_STRIKE = "Όπως δήλωσε ο δήμαρχος, οι εργαζόμενοι είναι σε απεργία."
EL_PRICES = "Άνοδος στις τιμές. Ένας στους δύο καταναλωτές δηλώνει ότι θα μειώσει τις αγορές του."
HE = (
    "הממשלה אישרה הלילה את התקציב לשנה הבאה. שר האוצר אמר כי הגירעון יירד, אבל האופוזיציה טוענת שהמספרים "
    "אינם מציאותיים."
)
HE_SUMMIT = "פסגה בירושלים: ראשי הערים נפגשו כדי לדון בתחבורה הציבורית."
AR = (
    "أعلنت وزارة الصحة اليوم عن افتتاح مستشفى جديد في مدينة الإسكندرية، وقال الوزير إن المستشفى سيستقبل "
    "المرضى ابتداء من الشهر المقبل."
)
AR_LATIN_FREE = "قال الوزير إن المستشفى الجديد في مدينة الإسكندرية سيستقبل المرضى من الشهر المقبل."
TR = (
    "İstanbul'da belediye meclisi yeni ulaşım planını onayladı. Başkan, metro hattının iki yıl içinde "
    "tamamlanacağını söyledi; muhalefet ise maliyetin çok yüksek olduğunu düşünüyor."
)
JA = "東京で新しい市場が開業した。初日には多くの買い物客が訪れ、周辺の道路は混雑した。"
ZH = "北京市政府宣布，新的地铁线路将于下月开通，市民出行将更加方便。"
TH = "รัฐบาลประกาศมาตรการใหม่เพื่อช่วยเหลือเกษตรกรที่ได้รับผลกระทบจากน้ำท่วม"

# A head of ordinary markup (styles, a script) longer than the 4 KB that byte-sniffing samples.
LONG_HEAD = (
    "<style>\n"
    + "".join(f".col-{i} {{ width: {i % 100}%; float: left; margin: 0 auto; }}\n" for i in range(120))
    + "</style>\n<script>window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}"
    "</script>\n"
)


def _page(body: str, declaration: str = "", head: str = "", *, lang: str = "en") -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n{declaration}\n<title>News</title>\n{head}</head>\n'
        f"<body>\n<article>\n<h1>News</h1>\n<p>{body}</p>\n</article>\n</body>\n</html>\n"
    )


def _decoded(data: bytes) -> Decoded:
    result = decode(data)
    assert isinstance(result, Decoded), result
    return result


def test_the_long_head_is_longer_than_the_sniffed_sample() -> None:
    assert len(LONG_HEAD) > 4096


# --- the two measured failures -------------------------------------------------------------------------------------


def test_a_polish_page_declaring_windows_1250_is_decoded_as_windows_1250() -> None:
    """Measured: the page's <meta charset="windows-1250"> was ignored and it was read as iso8859-15
    ("bli¿ej ... zag³osowa³"): its first 4 KB are ASCII markup, and Ź is a byte cp1252 lacks."""
    page = _page(PL, '<meta charset="windows-1250">', LONG_HEAD, lang="pl")
    result = _decoded(page.encode("cp1250"))
    assert result.text == page, f"decoded as {result.encoding}"
    assert result.encoding == "cp1250"
    assert "bliżej" in result.text and "zagłosował" in result.text


def test_greek_iso_8859_7_text_is_read_as_greek_not_as_cyrillic() -> None:
    """Measured: this paragraph in ISO-8859-7 was read as cp1251 (Cyrillic letters) and then enriched as Russian."""
    result = _decoded(EL_FERRY.encode("iso8859-7"))
    assert result.text == EL_FERRY, f"decoded as {result.encoding}: {result.text[:60]!r}"
    assert result.encoding in ("iso8859-7", "cp1253")  # the same bytes for these letters


# --- declared charsets ---------------------------------------------------------------------------------------------


def test_an_http_equiv_content_type_declaration_is_used() -> None:
    page = _page(CS, '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-2">', LONG_HEAD, lang="cs")
    result = _decoded(page.encode("iso8859-2"))
    assert (result.encoding, result.text) == ("iso8859-2", page)


def test_an_xml_declaration_is_used() -> None:
    """Greek without Ά or ΅ is the same bytes in ISO-8859-7 and cp1253: detection says cp1253, the feed says
    which one it is."""
    feed = (
        '<?xml version="1.0" encoding="ISO-8859-7"?>\n<rss version="2.0"><channel><title>Ειδήσεις</title>\n'
        f"<item><title>Καθυστερήσεις στο μετρό</title><description>{EL_METRO}</description></item>\n"
        "</channel></rss>\n"
    )
    result = _decoded(feed.encode("iso8859-7"))
    assert (result.encoding, result.text) == ("iso8859-7", feed)


def test_an_xml_declaration_in_single_quotes_before_a_doctype_is_used() -> None:
    page = "<?xml version='1.0' encoding='windows-1251'?>\n" + _page(BG, lang="bg")
    result = _decoded(page.encode("cp1251"))
    assert (result.encoding, result.text) == ("cp1251", page)


def test_a_declared_charset_overrides_a_wrong_detector_guess() -> None:
    """Romanian in ISO-8859-16 has ș and ț (comma below) where Windows-1250 has ş and ţ (cedilla): both read as
    Romanian, and detection takes the more common code page. The page says which."""
    body = f"<p>{RO}</p>"
    assert decode(body.encode("iso8859-16")) == Decoded(body.replace("ș", "ş").replace("ț", "ţ"), "cp1250"), (
        "premise: detection alone reads the cedilla letters"
    )
    page = _page(RO, '<meta charset="iso-8859-16">', lang="ro")
    result = _decoded(page.encode("iso8859-16"))
    assert (result.encoding, result.text) == ("iso8859-16", page)


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [
        pytest.param("utf-8", "utf-8", id="declares-utf-8"),
        pytest.param("iso-8859-6", "iso8859-6", id="declares-iso-8859-6"),
    ],
)
def test_a_page_whose_bytes_are_not_in_its_declared_charset_still_decodes(declared: str, encoding: str) -> None:
    """The declaration is a claim about the bytes: where they do not decode in it, detection reads them (the page
    is not rejected)."""
    text, written = (PL, "cp1250") if declared == "utf-8" else (AR, "cp1256")
    page = _page(text, f'<meta charset="{declared}">')
    data = page.encode(written)
    with pytest.raises(UnicodeDecodeError):
        data.decode(encoding)
    result = _decoded(data)
    assert (result.encoding, result.text) == (written, page)


@pytest.mark.parametrize("padding", [0, 5000])
def test_a_meta_charset_beyond_the_scanned_prefix_is_not_used(padding: int) -> None:
    """French in Windows-1252; the page wrongly declares Windows-1250 (à would read as ŕ). Only the first 4 KB are
    scanned for a declaration: a declaration after them is not seen and detection reads the page."""
    comment = f"<!-- {'x' * padding} -->\n" if padding else ""
    page = f'<!DOCTYPE html>\n<html lang="fr">\n<head>\n{comment}<meta charset="windows-1250">\n</head>\n<p>{FR}</p>\n'
    result = _decoded(page.encode("cp1252"))
    if padding:
        assert (result.encoding, result.text) == ("cp1252", page)
    else:
        assert (result.encoding, result.text) == ("cp1250", page.encode("cp1252").decode("cp1250"))


def test_valid_utf8_with_non_ascii_text_wins_over_a_declared_legacy_charset() -> None:
    """Browsers follow the declaration, but a page of valid UTF-8 with multibyte characters that says latin1 is a
    page re-saved as UTF-8 with its old <meta>: read as cp1252 it would be mojibake (Ä™ for ę)."""
    page = _page(PL + " " + FR, '<meta http-equiv="content-type" content="text/html; charset=latin1">')
    result = _decoded(page.encode("utf-8"))
    assert (result.encoding, result.text) == ("utf-8", page)


def test_an_ascii_page_is_named_by_its_declaration() -> None:
    page = _page("The city council approved the budget on Thursday.", '<meta charset="Windows-1252">')
    assert _decoded(page.encode("ascii")).encoding == "cp1252"


def test_a_seven_bit_iso_2022_jp_page_declaring_itself_decodes_as_japanese() -> None:
    """ISO-2022-JP is 7-bit: its bytes are valid UTF-8, full of escape characters."""
    page = _page(JA, '<meta http-equiv="Content-Type" content="text/html; charset=iso-2022-jp">', lang="ja")
    result = _decoded(page.encode("iso2022_jp"))
    assert (result.encoding, result.text) == ("iso2022-jp", page)


@pytest.mark.parametrize(
    ("label", "text", "written", "encoding"),
    [
        pytest.param("iso-8859-1", FR, "cp1252", "cp1252", id="iso-8859-1-is-windows-1252"),
        pytest.param("latin1", FR, "cp1252", "cp1252", id="latin1-is-windows-1252"),
        pytest.param("US-ASCII", FR, "cp1252", "cp1252", id="ascii-is-windows-1252"),
        pytest.param(" Windows-1250 ", CS, "cp1250", "cp1250", id="spaces-and-case"),
        pytest.param("x-cp1251", RU, "cp1251", "cp1251", id="x-cp1251"),
        pytest.param("ISO-8859-9", TR, "cp1254", "cp1254", id="iso-8859-9-is-windows-1254"),
        pytest.param("koi8-r", RU, "koi8-r", "koi8-r", id="koi8-r"),
        pytest.param("koi8-u", UK, "koi8-u", "koi8-u", id="koi8-u"),
        pytest.param("iso-8859-5", RU, "iso8859-5", "iso8859-5", id="iso-8859-5"),
        pytest.param("windows-1255", HE, "cp1255", "cp1255", id="windows-1255"),
        pytest.param("iso-8859-8-i", HE, "iso8859-8", "iso8859-8", id="iso-8859-8-i"),
        pytest.param("x-sjis", JA, "shift_jis", "shift-jis", id="x-sjis-is-shift-jis"),
        pytest.param("Shift_JIS", JA, "shift_jis", "shift-jis", id="shift-jis"),
        pytest.param("Shift_JIS", f"{JA} ①②", "cp932", "cp932", id="shift-jis-with-nec-signs-is-windows-31j"),
        pytest.param("euc-jp", JA, "euc_jp", "euc-jp", id="euc-jp"),
        pytest.param("gb2312", ZH, "gbk", "gbk", id="gb2312-is-gbk"),
        pytest.param("tis-620", TH, "cp874", "cp874", id="tis-620-is-windows-874"),
    ],
)
def test_declared_labels_are_read_as_browsers_read_them(label: str, text: str, written: str, encoding: str) -> None:
    """WHATWG labels: iso-8859-1, latin1 and ascii mean Windows-1252 (€ and œ are its bytes 0x80 and 0x9C, C1
    controls in ISO-8859-1); the name recorded is the codec's canonical one."""
    page = _page(text, f'<meta charset="{label}">')
    result = _decoded(page.encode(written))
    assert (result.encoding, result.text) == (encoding, page)


@pytest.mark.parametrize("label", ["x-unknown", "utf-7", "windows-1250x", ""])
def test_an_unknown_label_is_ignored(label: str) -> None:
    page = _page(RU, f'<meta charset="{label}">')
    result = _decoded(page.encode("cp1251"))
    assert (result.encoding, result.text) == ("cp1251", page)


def test_a_later_declaration_is_used_when_the_first_label_is_unknown() -> None:
    page = _page(RU, '<meta charset="x-unknown">\n<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">')
    result = _decoded(page.encode("koi8-r"))
    assert (result.encoding, result.text) == ("koi8-r", page)


def test_a_declaration_inside_a_comment_is_not_used() -> None:
    page = _page(BG, '<!-- <meta charset="koi8-r"> -->\n<meta charset="windows-1251">', lang="bg")
    result = _decoded(page.encode("cp1251"))
    assert (result.encoding, result.text) == ("cp1251", page)


def test_a_declaration_quoted_in_plain_text_is_not_used() -> None:
    """Only markup declares a charset: an article that quotes a <meta> tag is text."""
    text = f'Техническа служба: страниците вече не съдържат <meta charset="koi8-r">.\n\n{BG}\n'
    result = _decoded(text.encode("cp1251"))
    assert (result.encoding, result.text) == ("cp1251", text)


def test_a_utf16_label_in_an_ascii_page_means_utf8() -> None:
    """Bytes that spell their declaration in ASCII are not UTF-16 (WHATWG reads such a page as UTF-8)."""
    page = _page("The council met on Thursday.", '<meta charset="utf-16">')
    assert _decoded(page.encode("ascii")).encoding == "utf-8"


# --- legacy code pages told apart by script ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "names"),
    [
        pytest.param(EL_FERRY, "cp1253", {"cp1253", "iso8859-7"}, id="greek-cp1253"),
        pytest.param(EL_METRO, "iso8859-7", {"cp1253", "iso8859-7"}, id="greek-iso-8859-7-not-iso-8859-5"),
        pytest.param(EL_RAIN, "iso8859-7", {"cp1253", "iso8859-7"}, id="greek-iso-8859-7-not-mac-greek"),
        pytest.param(EL_STRIKE, "iso8859-7", {"cp1253", "iso8859-7"}, id="greek-iso-8859-7-not-mac-cyrillic"),
        pytest.param(EL_PRICES, "iso8859-7", {"iso8859-7"}, id="greek-iso-8859-7-with-capital-alpha-tonos"),
        pytest.param(EL_PRICES, "cp1253", {"cp1253"}, id="greek-cp1253-with-capital-alpha-tonos"),
        pytest.param(RU, "cp1251", {"cp1251"}, id="russian-cp1251"),
        pytest.param(RU, "koi8-r", {"koi8-r"}, id="russian-koi8-r"),
        pytest.param(RU, "iso8859-5", {"iso8859-5"}, id="russian-iso-8859-5"),
        pytest.param(BG, "cp1251", {"cp1251"}, id="bulgarian-cp1251"),
        pytest.param(UK, "cp1251", {"cp1251"}, id="ukrainian-cp1251"),
        pytest.param(SR, "cp1251", {"cp1251"}, id="serbian-cp1251"),
        pytest.param(HE, "cp1255", {"cp1255", "iso8859-8"}, id="hebrew-cp1255"),
        pytest.param(HE_SUMMIT, "cp1255", {"cp1255", "iso8859-8"}, id="hebrew-headline-cp1255"),
        pytest.param(HE, "iso8859-8", {"cp1255", "iso8859-8"}, id="hebrew-iso-8859-8"),
        pytest.param(AR, "cp1256", {"cp1256"}, id="arabic-cp1256"),
        pytest.param(AR_LATIN_FREE, "iso8859-6", {"iso8859-6"}, id="arabic-iso-8859-6"),
        pytest.param(TR, "cp1254", {"cp1254"}, id="turkish-cp1254"),
        pytest.param(PL, "cp1250", {"cp1250"}, id="polish-cp1250"),
        pytest.param(CS, "iso8859-2", {"iso8859-2"}, id="czech-iso-8859-2"),
    ],
)
def test_legacy_code_pages_are_told_apart_by_script(text: str, written: str, names: set[str]) -> None:
    result = _decoded(text.encode(written))
    assert result.text == text, f"decoded as {result.encoding}: {result.text[:60]!r}"
    assert result.encoding in names


@pytest.mark.parametrize(
    ("text", "written"),
    [
        pytest.param(EL_METRO, "iso8859-7", id="greek"),
        pytest.param(RU, "koi8-r", id="russian"),
        pytest.param(HE, "cp1255", id="hebrew"),
    ],
)
def test_an_undeclared_page_is_read_by_the_script_of_its_text(text: str, written: str) -> None:
    """The markup is ASCII: the script is read from the text, wherever it starts."""
    page = _page(text, head=LONG_HEAD)
    result = _decoded(page.encode(written))
    assert result.text == page, f"decoded as {result.encoding}"


def test_an_undeclared_polish_page_with_a_long_head_is_read_from_its_text() -> None:
    """The Latin code pages are compared on the text from its first non-ASCII byte, not on the first 4 KB of
    markup (which read the same in every code page)."""
    page = _page(PL, head=LONG_HEAD, lang="pl")
    result = _decoded(page.encode("cp1250"))
    assert (result.encoding, result.text) == ("cp1250", page)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        pytest.param(JA, "shift_jis", id="japanese-shift-jis"),
        pytest.param(JA, "euc_jp", id="japanese-euc-jp"),
        pytest.param(ZH, "gb18030", id="chinese-gb18030"),
        pytest.param(TH, "cp874", id="thai-cp874"),
    ],
)
def test_multibyte_and_other_scripts_are_not_taken_for_a_single_byte_script(text: str, written: str) -> None:
    result = _decoded((text + "\n\n" + text).encode(written))
    assert result.text == text + "\n\n" + text, f"decoded as {result.encoding}"
