"""services.enrich.quotes: who said each quotation, in the forms news text gives it.

Each text goes through the persons step (services.enrich.entities) first, as an article does, so the
speakers are resolved against the persons the pipeline would find. The last tests bound the cost and
gate the figures on the development set (tests/data/quotes_dev.jsonl, newswire_tools.quote_eval).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from newswire_tools import quote_eval
from services.enrich import entities
from services.enrich.quotes import Quote, extract

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "quotes_dev.jsonl"


def quotes(text: str, lang: str = "en") -> list[Quote]:
    persons = [(p.name, p.spans) for p in entities.extract(text, lang).persons]
    found = extract(text, persons)
    for q in found:  # the offsets point at the text, whatever the marks and spaces around it
        assert text[q.start : q.start + len(q.text)] == q.text
    return found


def speakers(text: str, lang: str = "en") -> list[str | None]:
    return [q.speaker for q in quotes(text, lang)]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            'The board approved the plan. "We have given ourselves the flexibility we need to compete," chairman and'
            " chief executive Richard Parsons said.",
            "Richard Parsons",
        ),
        (
            '"Washington is ready to take steps to ease tensions," State Department spokesman Ned Price told'
            " reporters.",
            "Ned Price",
        ),
        ('"The numbers simply do not add up," economist Kate Moreno of Halden Capital said.', "Kate Moreno"),
    ],
)
def test_a_title_and_a_name_then_the_verb(text: str, speaker: str) -> None:
    assert speakers(text) == [speaker]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('"We will not negotiate through the press," said Ned Price, a State Department spokesman.', "Ned Price"),
        ('"Patients are coming to us much sicker than before," says Dr Jane Smith.', "Jane Smith"),
        ('"There is no military solution here," said the UN envoy, Martin Lindqvist.', "Martin Lindqvist"),
        ('"Who is going to pay for all of this?" asked Conservative MP Richard Hale.', "Richard Hale"),
    ],
)
def test_the_verb_then_the_name(text: str, speaker: str) -> None:
    assert speakers(text) == [speaker]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        (
            'The Russian Embassy in the US described the report as "another set of baseless accusations against us."',
            "Russian Embassy",
        ),
        (
            'The ministry rejected the criticism. "China firmly opposes any interference in its internal affairs,"'
            " the ministry said in a statement.",
            "The ministry",
        ),
        ('Reuters reported that the two firms had "reached an agreement in principle on the terms."', "Reuters"),
        (
            'Gazprom said supplies would resume on Saturday. "The company remains a reliable supplier," it said.',
            "Gazprom",
        ),
        (
            'A spokesman for the Ministry of Defence said: "The exercises will go ahead as planned next week."',
            "Ministry of Defence",
        ),
    ],
)
def test_an_organisation_speaks(text: str, speaker: str) -> None:
    [got] = speakers(text)
    assert got is not None and speaker.casefold() in got.casefold()


def test_a_pronoun_is_the_person_named_last_in_the_same_paragraph() -> None:
    text = 'Prime Minister Anna Kovacs arrived in Brussels. "We cannot allow this crisis to divide Europe," she said.'
    assert speakers(text) == ["Anna Kovacs"]


def test_a_pronoun_is_the_person_named_last_in_the_previous_paragraph_and_so_on_from_quote_to_quote() -> None:
    text = (
        "Fire chief Paul Denton said the blaze was under control.\n\n"
        '"Crews worked through the night in very difficult conditions," he said.\n\n'
        '"We are grateful to residents for staying away," he added.'
    )
    assert speakers(text) == ["Paul Denton", "Paul Denton"]


def test_a_pronoun_skips_a_person_of_the_other_gender() -> None:
    text = (
        "Maria Lopez, the union's negotiator, met the transport minister, David Okafor, on Monday. "
        '"We made progress on pay, but not on safety," she said.'
    )
    assert speakers(text) == ["Maria Lopez"]
    text = 'Mark Davies was appointed by chairwoman Helen Shaw. "I have never once been consulted," he said.'
    assert speakers(text) == ["Mark Davies"]


def test_a_description_is_the_person_named_with_that_title() -> None:
    text = (
        "Education Minister Farah Siddiqui toured the school with its head teacher, Tom Baker. "
        '"The building is not fit for purpose," the minister said.'
    )
    assert speakers(text) == ["Farah Siddiqui"]  # not the person named last
    assert speakers('Maria Lopez met Dmitry Peskov.\n\n"We are here to stay," the Kremlin spokesman said.') == [
        "Dmitry Peskov"  # nobody with the title: the person named last
    ]


def test_name_particles() -> None:
    assert speakers('"We will not back down on the rule of law," said von der Leyen.') == ["von der Leyen"]
    assert speakers('As for the sanctions, von der Leyen noted that "this is ruled out for now."') == ["von der Leyen"]


def test_a_pronoun_with_nobody_to_stand_for_is_no_speaker() -> None:
    assert speakers('"It was the loudest noise I have ever heard," she said.') == [None]
    text = (
        "Fire chief Paul Denton said two people were hurt.\n\n"
        'A woman who lives opposite described the blast. "It was the loudest noise I have ever heard," she said.'
    )
    assert speakers(text) == [None]  # the only person named is a man
    far = "Fire chief Paul Denton spoke first.\n\nThe road stays closed.\n\nIt may reopen on Monday.\n\n"
    assert speakers(far + '"We are doing all we can to reopen it," he said.') == [None]  # two paragraphs back


def test_a_quote_over_several_paragraphs_keeps_its_speaker() -> None:
    text = (
        'The mayor, Sarah Whitfield, spoke about the flooding. "Nobody here has seen water levels like these.\n\n'
        '"We will need help from the national government, and quickly."'
    )
    found = quotes(text)
    assert [(q.text, q.speaker) for q in found] == [
        ("Nobody here has seen water levels like these.", "Sarah Whitfield"),
        ("We will need help from the national government, and quickly.", "Sarah Whitfield"),
    ]
    text = (
        '"This is the worst outbreak in a decade," said Dr Amir Khan. "Hospitals are at capacity.\n\n'
        "“We ask people to avoid unnecessary travel.\n\n"
        '"The measures will last until the end of the month."'
    )
    assert speakers(text) == ["Amir Khan"] * 4


def test_quotes_after_an_attributed_one_in_the_same_paragraph_keep_its_speaker() -> None:
    text = '"The result is disappointing," said coach Marco Bellini. "But we created enough chances to win."'
    assert speakers(text) == ["Marco Bellini", "Marco Bellini"]
    text = '"We are ready to sign," said Anders Holm. Kari Nilsen disagreed. "The text needs a lot more work."'
    assert speakers(text) == ["Anders Holm", None]  # someone else came between


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ('Club chairman Peter Smith read a statement. Smith said: "The decision will not be reversed."', "Peter Smith"),
        (
            'Northline Rail cancelled 200 trains. In a statement, the company said: "We regret the disruption caused."',
            "the company",
        ),
        ('U.S. Secretary of State Antony Blinken said: "We are determined to see this through."', "Antony Blinken"),
    ],
)
def test_the_speaker_before_a_colon(text: str, speaker: str) -> None:
    assert speakers(text) == [speaker]


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("« Nous ne céderons pas sur l'essentiel », a déclaré la ministre, Claire Dubois.", "Claire Dubois"),
        ("«\u202fNous ne céderons pas sur l'essentiel\u202f», a dit Claire Dubois.", "Claire Dubois"),
        ("«\u00a0Pas de hausse d'impôts cette année\u00a0», a affirmé à l'AFP le ministre, Paul Roy.", "Paul Roy"),
        ("«C'est un tournant pour l'entreprise», a expliqué son directeur général, Marc Aubry.", "Marc Aubry"),
        ("Selon le ministère de l'Intérieur, « 12 000 policiers seront mobilisés ».", "ministère de l'Intérieur"),
        (
            "La maire, Sophie Garnier, a présenté le plan. « Nous avons perdu trop de temps », a-t-elle déclaré.",
            "Sophie Garnier",
        ),
    ],
)
def test_french(text: str, speaker: str) -> None:
    [got] = speakers(text, "fr")
    assert got is not None and speaker in got


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("«Мы не планируем никаких ответных мер», — сказал Иван Петров.", "Иван Петров"),
        ("«Ситуация под полным контролем», — заявил журналистам пресс-секретарь Олег Смирнов.", "Олег Смирнов"),
        ("„Решение принято без учёта мнения жителей“, — отметила депутат Анна Соколова.", "Анна Соколова"),
        (
            "Пресс-секретарь Олег Смирнов сообщил о пожаре. По словам Смирнова, «все службы работают в режиме ЧС».",
            "Олег Смирнов",
        ),
        ("Министр финансов Алексей Орлов заявил: «Бюджет будет полностью сбалансированным».", "Алексей Орлов"),
    ],
)
def test_russian(text: str, speaker: str) -> None:
    assert speakers(text, "ru") == [speaker]


@pytest.mark.parametrize(
    ("text", "lang", "speaker"),
    [
        ("„Wir werden die Arbeitsplätze sichern“, sagte Wirtschaftsminister Jan Keller.", "de", "Jan Keller"),
        ("Ministerpräsident Markus Albrecht sagte: „Die Schulen bleiben geöffnet.“", "de", "Markus Albrecht"),
        ('"No vamos a permitir que se repita", dijo el ministro del Interior, Fernando Ruiz.', "es", "Fernando Ruiz"),
        ("«La economía crecerá este año», afirmó la presidenta del banco, Isabel Navarro.", "es", "Isabel Navarro"),
        ('Según el Gobierno, "la medida afectará a dos millones de hogares".', "es", "Gobierno"),
    ],
)  # fmt: skip
def test_german_and_spanish(text: str, lang: str, speaker: str) -> None:
    [got] = speakers(text, lang)
    assert got is not None and speaker in got


@pytest.mark.parametrize(
    "text",
    [
        'Critics dismissed the so-called "reform" as a tax cut for the wealthy, the opposition said.',
        'Speaking on Tuesday, the author said her novel, "A House Without Windows," was based on letters.',
        'A banner on the town hall read "Our hospital, our fight, our future." Hundreds gathered below.',
        'Graffiti reading "you will not build your wall on our land" appeared overnight, police said.',
        "Le film « Les Jours d'après la pluie » sort mercredi dans 300 salles.",
    ],
)
def test_no_speaker_is_invented(text: str) -> None:
    assert all(speaker is None for speaker in speakers(text))


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ('" ' * 50_000, 0.25),
        ('"' * 100_000, 0.25),
        ("“ ” « » „ “ " * 10_000, 0.25),
        (" ".join(["Peskov", "Moscow", "Of", "The", "Vladimir", "Ned", "Price", "Said"] * 12_500), 0.25),
        ("Aa Bb " * 20_000, 0.25),
        # a quote and an attribution to read for every one of the MAX_CANDIDATES quotes
        (('"Aa Bb Cc Dd Ee," ' + "Aa Bb " * 40 + "said ") * 400, 1.0),
        (("«Аа бб вв гг», — " + "Аа " * 50 + "заявил ") * 600, 1.0),
        (("According to " + "Aa " * 60 + ', "aa bb cc dd" ') * 450, 1.0),
        ('"aa bb cc dd\n\n' * 7_500, 1.0),
        ('Ned Price spoke. "Aa bb cc dd," he said. ' * 2_500, 1.0),
    ],
    ids=["quote marks and spaces", "quote marks", "all marks", "capitalised words", "capitalised pairs",
         "names before verbs", "russian names", "according to", "unclosed paragraphs", "pronouns"],
)  # fmt: skip
def test_hostile_text_costs_little(text: str, seconds: float) -> None:
    """Bounded and linear, in processor time (not the wall clock, which other processes share): the texts
    take a quarter of these bounds or less on a loaded machine."""
    assert len(text) >= 90_000
    persons = [("Vladimir Peskov", [(0, 5)]), ("Ned Price", [(10, 15)])]
    started = time.process_time()
    extract(text, persons)
    assert time.process_time() - started < seconds


def test_the_development_set_meets_the_targets() -> None:
    items = quote_eval.load(DEV_SET)
    assert len(items) >= 80
    assert {item["lang"] for item in items} >= {"en", "fr", "ru", "de", "es"}
    scores = quote_eval.evaluate(items)
    total = scores["all"]
    detail = quote_eval.report(items, scores) + "\n" + "\n".join(total.misses)
    assert total.coverage >= 0.90, detail
    assert total.precision >= 0.95, detail
