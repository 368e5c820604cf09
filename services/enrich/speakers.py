"""Who said a quotation: the attribution beside it, read as a short list of words.

The attribution may follow the quote (`"...," Ned Price said`, `"...," said Ned Price, a spokesman`,
`"...," chairman and chief executive Richard Parsons said`, `«...», — заявил Песков`, `« ... »,
a-t-elle déclaré`, `„...“, sagte er`, `"...", dijo el ministro, Fernando Ruiz`) or come before it in
the same sentence (`Smith said: "..."`, `In a statement, the company said: "..."`, `The embassy
described the report as "..."`, `According to X, "..."`, `Selon X, « ... »`, `По словам X, «...»`).

Each search reads a bounded window (a couple of hundred characters) once into words, and each rule
is a walk over those words: no regular expression here can backtrack, so the cost per quote does not
depend on what the window holds. What is found is the speaker as written (a name, a pronoun, a
description such as "the ministry" or "a State Department spokesman"); services.enrich.quotes
resolves pronouns and descriptions to the persons of the article.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from services.enrich.lexicon import FIRST_NAMES, PERSON_CUES, SPEECH_VERBS, STOPWORDS, TITLES, words

# --- the words ---------------------------------------------------------------------------------------------

_VERBS_MORE = words(
    # English: the present of the usual verbs, and more of them
    "say says tells adds notes warns writes argues explains insists recalls admits agrees asks claims concedes "
    "stresses continues remarks observes suggests replies predicts cautions complains vows promises laments "
    "describes calls call warn argue insist claim describe reported reports agreed responded confirmed shouted "
    "joked posted testified countered pleaded reiterated maintained contended quipped exclaimed demanded asserted "
    "pledged whispered sighed boasted spoke speaks yelled screamed texted disclosed chanted "
    # French: the present, and a past participle used alone ("déclaré")
    "dit raconte confie résume poursuit indique note constate répond insiste prévient rappelle martèle tranche "
    "lance regrette déplore dénonce reconnaît observe juge commente écrit confirme admet avoue plaide qualifie "
    "ajoutent déclarent affirment estiment expliquent "
    # German
    "sagte sagt sagten erklärte erklärt erklärten betonte betont meinte meint warnte warnt fügte ergänzte "
    "kritisierte kritisiert forderte fordert unterstrich teilte hieß schrieb räumte versicherte bekräftigte "
    "mahnte kündigte berichtete berichtet antwortete "
    # Spanish
    "dijo dice afirmó afirma aseguró asegura declaró explicó explica señaló señala añadió añade agregó agrega "
    "indicó indica subrayó advirtió advierte sostuvo sostiene manifestó apuntó destacó insistió comentó recalcó "
    "reconoció respondió criticó denunció contó relató recordó lamentó admitió reconoce cuenta relata recuerda "
    "dijeron afirmaron aseguraron explicaron señalaron indicaron "
    "declararon añadieron"
)
# Russian past tenses: a stem and its endings (masculine, feminine, plural)
_RU_STEMS = words(
    "заяви сказа отмети подчеркну добави сообщи поясни ответи предупреди написа призна уточни указа "
    "констатирова замети рассказа напомни продолжи резюмирова заключи призва назва объясни добави"
)
_RU_PRESENT = words("считает заявляет говорит пишет отмечает подчёркивает подчеркивает сообщает уверен уверена")
_FR_AUX = frozenset(words("a ont avait avaient aurait auraient"))
_FR_PARTICIPLES = frozenset(
    [v.split()[1] for v in SPEECH_VERBS if v.startswith("a ") and v.count(" ") == 1]
    + words(
        "déclaré dit affirmé ajouté souligné estimé indiqué expliqué assuré averti martelé précisé insisté rappelé "
        "confié lancé jugé reconnu prévenu dénoncé répondu poursuivi annoncé réagi commenté résumé raconté noté "
        "observé regretté déploré promis conclu écrit tweeté qualifié répété admis avoué fustigé salué plaidé "
        "tranché réclamé exhorté appelé assuré confirmé"
    )
)
_FR_ADVERBS = frozenset(words("notamment également aussi encore ensuite alors ainsi déjà enfin d'ailleurs pourtant"))
_FR_INVERTED = re.compile(r"(?:a|ont|avait|aurait)-t?-?(il|elle|ils|elles)", re.IGNORECASE)
_FR_INVERTED_VERB = re.compile(r"([a-zàâçéèêëîïôûùüÿœ']+)-(?:t-)?(il|elle|ils|elles)", re.IGNORECASE)
_FR_PRESENT = frozenset(
    words(
        "dit explique ajoute souligne affirme précise estime assure poursuit insiste rappelle prévient lance indique "
        "confie déclare martèle résume note observe reconnaît juge raconte conclut répond avertit tranche regrette "
        "déplore dénonce analyse commente écrit confirme admet avoue plaide interroge demande lâche glisse sourit "
        "s'exclame s'interroge poursuivent ajoutent"
    )
)
_ES_AUX = frozenset(words("ha han había habían"))
_ES_PARTICIPLES = frozenset(
    words(
        "dicho afirmado asegurado declarado explicado señalado añadido indicado subrayado advertido sostenido "
        "reconocido manifestado destacado insistido comentado recalcado apuntado"
    )
)
VERBS = frozenset(
    [v.casefold() for v in SPEECH_VERBS if " " not in v]
    + [v.casefold() for v in _VERBS_MORE]
    + [stem + end for stem in _RU_STEMS for end in ("л", "ла", "ли")]
    + _RU_PRESENT
)
# The speaker is the subject of the sentence: "Smith criticised the plan, saying it was "a betrayal""
_PARTICIPLES = frozenset(
    words(
        "saying adding noting warning calling describing insisting arguing explaining telling stressing declaring "
        "claiming urging vowing promising acknowledging admitting complaining déclarant affirmant estimant "
        "soulignant ajoutant expliquant assurant précisant dénonçant qualifiant заявив отметив подчеркнув добавив "
        "назвав пояснив сказав указав diciendo afirmando asegurando añadiendo señalando explicando"
    )
)
# Words that open a clause set before its subject ("Asked about the report, a spokesman said")
_INTRO = frozenset(
    words(
        "speaking asked talking writing reacting commenting responding interviewed questioned addressing "
        "interrogé interrogée interrogés s'exprimant réagissant выступая отвечая комментируя говоря "
        "preguntado preguntada consultado consultada hablando gefragt angesprochen"
    )
)
_ACCORDING = frozenset(words("selon según laut d'après d’après"))
_FOR = frozenset(words("pour para für"))  # at the start of a sentence, "for" someone is in their words
_STATEMENT = frozenset(words("говорится hieß"))  # "— говорится в заявлении министерства", "hieß es"
_STATEMENT_NOUNS = frozenset(
    words("заявлении сообщении документе пресс-релизе релизе письме mitteilung erklärung stellungnahme")
)

_SUBJECT_PRONOUNS = frozenset(words("he she il elle он она er sie él ella it they ils elles они"))
PRONOUNS = {
    "he": "m", "she": "f", "il": "m", "elle": "f", "он": "m", "она": "f", "er": "m", "sie": "f", "él": "m",
    "ella": "f", "it": None, "they": None, "ils": None, "elles": "f", "они": None, "him": "m", "her": "f",
    "lui": "m", "него": "m", "неё": "f", "нее": "f",
}  # fmt: skip
_POSSESSIVE_PRONOUNS = {"его": "m", "её": "f", "ее": "f", "их": None}  # "по его словам"
_DEFINITE = frozenset(
    words("the le la les l' l’ el los las der die das dem den des this that his her its their son sa ses leur")
)
_INDEFINITE = frozenset(words("a an one un une uno una ein eine einer"))
_DETERMINERS = _DEFINITE | _INDEFINITE
_DEMONSTRATIVES = frozenset(words("este esta estos estas ese esa esos esas ce cet cette ces"))
_CONNECT = frozenset(words("of for de du des del della di da dos von van der den bin al ibn la le y"))
_PARTICLES = frozenset(words("de du des del della di da dos von van der den bin al ibn la le"))
# Prepositions that attach a phrase to the noun before it ("the embassy in Washington")
_PP = frozenset(
    words(
        "in at for from with on of by near à au aux de du des en dans sur chez pour avec par в во на из от для при у "
        "с со к con para por a al im am an auf aus bei mit von vom zu zum zur für nach"
    )
)
# Words after which a new clause, with its own subject, starts
_BOUNDARY = frozenset(
    words(
        "that and but when while after before as because although though since until once if whereas "
        "que qu' et mais lorsque quand alors puis car si что и но а когда если хотя пока y pero cuando mientras "
        "aunque dass und aber als wenn weil während nachdem ob"
    )
)
_RELATIVE = frozenset(
    words(
        "who whom whose which qui dont lequel laquelle который которая которое которые которого которой quien "
        "quienes cuyo cuya welche welcher"
    )
)
_AS = frozenset(words("as как comme wie como"))  # "Как заявил Волков, «...»": the speaker follows the verb
# Words between a subject and its verb ("Peskov also said", "the ministry on Monday said")
_FILLERS = frozenset(
    words(
        "also later then earlier again has had have would will could previously publicly once recently repeatedly "
        "reportedly subsequently separately meanwhile however today yesterday tonight himself herself itself "
        "themselves not ne n' aussi également déjà notamment ensuite lui-même elle-même также тоже ранее уже ещё "
        "еще вновь снова затем позже потом не también ya además luego después hoy ayer auch bereits zuvor nun jetzt "
        "erneut ebenfalls heute gestern"
    )
)
_TIME = frozenset(
    words(
        "monday tuesday wednesday thursday friday saturday sunday morning afternoon evening night week month year "
        "lundi mardi mercredi jeudi vendredi samedi dimanche понедельник вторник среду четверг пятницу субботу "
        "воскресенье lunes martes miércoles jueves viernes sábado domingo montag dienstag mittwoch donnerstag "
        "freitag samstag sonntag"
    )
)
_ABBREVIATIONS = frozenset(
    words("mr mrs ms dr prof st gen sen rep gov lt col jr sr mme m no vs messrs capt sgt cmdr adm maj gen pr")
)
_HONORIFICS = frozenset(
    words(
        "mr mrs ms miss dr prof professor sir dame lord lady madame mme monsieur m herr frau señor señora sr sra "
        "don doña"
    )
)
_MALE_HONORIFICS = frozenset(words("mr sir lord monsieur m herr señor sr don"))
_FEMALE_HONORIFICS = frozenset(words("mrs ms miss dame lady madame mme frau señora sra doña"))
# Heads of a description that is a person ("the minister", "le porte-parole", "the general")
PERSON_TITLES = frozenset(
    {t.casefold().rstrip(".") for t in TITLES | PERSON_CUES if " " not in t}
    | set(
        words(
            "head executive manager chair coach negotiator envoy general officer constable spokesperson "
            "ministra presidenta alcaldesa alcalde portavoz directora director ministro presidente secretario "
            "ministerin minister kanzler kanzlerin sprecher sprecherin präsident präsidentin bürgermeister "
            "bürgermeisterin maire ministre porte-parole dirigeant patron patronne directeur directrice "
            # descriptions that stand for a person named before ("the veteran", "the Briton")
            "veteran woman man mother father grandmother grandfather player striker midfielder goalkeeper "
            "champion singer actor actress author novelist democrat republican briton frenchman frenchwoman"
        )
    )
)
_FEMALE_TITLES = frozenset(
    words(
        "woman mother grandmother actress frenchwoman spokeswoman chairwoman congresswoman businesswoman "
        "councilwoman policewoman ministra presidenta alcaldesa directora ministerin kanzlerin sprecherin "
        "präsidentin bürgermeisterin directrice patronne présidente sénatrice députée dirigeante avocate "
        "opposante queen princess"
    )
)
_MALE_TITLES = frozenset(
    words(
        "man father grandfather frenchman spokesman chairman congressman businessman councilman policeman "
        "ministro presidente alcalde director kanzler sprecher präsident bürgermeister directeur patron "
        "sénateur député dirigeant king prince"
    )
)
# Heads of a description that speaks without being a title ("officials said", "the company said")
_SPEAKER_NOUNS = frozenset(
    words(
        "official officials lawmakers legislators groups group critics analysts witnesses residents police "
        "prosecutors investigators experts economists sources source campaigners activists doctors scientists "
        "researchers diplomats protesters organisers organizers authorities militants rebels unions union leaders "
        "ministers officers ministry ministries government company companies embassy department agency office "
        "spokesman spokeswoman spokesperson spokespeople representatives army military court bank committee "
        "council commission kremlin hospital firm airline operator regulator regulators charity broadcaster "
        "власти полиция эксперты пресс-служба ведомство министерство правительство представители источник "
        "источники собеседник собеседники представитель аналитики аналитик чиновник чиновники "
        "autorités syndicat syndicats ministère gouvernement entreprise société experts policiers "
        "behörden polizei regierung ministerium sprecher gobierno ministerio empresa policía autoridades"
    )
)
_UNTITLED = frozenset(words("official officials source sources figure"))
# What says things in print but is not a speaker ("the message on the screen said")
_NOT_SPEAKERS = frozenset(
    words(
        "message messages sign signs banner banners note notes screen screens poster posters slogan headline title "
        "film book novel song letter placard placards graffiti inscription plaque text caption label sticker"
    )
)
# Capitalised words that start a sentence or a phrase but are not part of a name
_NOT_CAPS = (
    STOPWORDS
    | _DETERMINERS
    | _BOUNDARY
    | _RELATIVE
    | _PP
    | _ACCORDING
    | _INTRO
    | _TIME
    | frozenset(PRONOUNS)
    | frozenset(words("according later asked meanwhile however also earlier speaking but and"))
)
_VERBISH = VERBS | frozenset(
    words("is was were are be been has have had will would could should can may might must did does do est était")
)
_NOT_WORDS = _NOT_CAPS | _VERBISH  # what a speaker's description does not hold

FEMALE_NAMES = frozenset(
    words(
        "mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra "
        "ashley kimberly emily donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon laura "
        "cynthia kathleen amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine "
        "debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly "
        "lauren christina joan evelyn judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara "
        "madison frances kathryn janice abigail alice judy sophia grace denise amber doris marilyn danielle "
        "beverly isabella theresa diana natalie brittany charlotte marie kayla alexis lori jane kate katie claire "
        "clara sophie sofia lucia lucie julia giulia elena helena ellen eleanor louise amelia chloe zoe jade priya "
        "aisha fatima farah nadia leila layla yasmin amira mariam noor anya ana ines inés carmen isabel isabelle "
        "camille chantal claudine monique nathalie sylvie valérie véronique brigitte ségolène anne martine "
        "françoise marine nicole petra angela ursula annalena lena sabine birgit katrin heike ulrike kari ingrid "
        "astrid sigrid greta freya karin kristin hanne mette lotte marta magdalena agnieszka beata ewa irina "
        "agnès amélie aurélie céline élise émilie hélène juliette laure léa manon margaux mathilde océane pauline "
        "sandrine solène stéphanie delphine florence géraldine lucía pilar rocío nuria montserrat begoña "
        "mercedes dolores beatriz cristina ximena jutta anke silke susanne monika renate "
        "olga natalia natalya tatiana tatyana svetlana ekaterina yekaterina marina galina valentina maria "
        "yulia julia daria darya ksenia alla lyudmila nina vera lyubov jacinda kamala hillary nancy theresa "
        "kristalina christine giorgia mette sanna ирина ольга наталья татьяна светлана екатерина марина галина "
        "валентина мария юлия дарья ксения алла людмила нина вера любовь анна елена анастасия евгения элла "
        "александра виктория полина софья софия маргарита"
    )
)
MALE_NAMES = frozenset(
    words(
        "james robert john michael david william richard joseph thomas charles christopher daniel matthew anthony "
        "mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan "
        "jacob gary nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander "
        "frank patrick raymond jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle "
        "ethan walter noah jeremy christian keith roger terry gerald harold sean austin carl arthur lawrence dylan "
        "jesse jordan bryan billy joe bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent "
        "ralph eugene russell bobby mason philip louis ned tom tomas tomás omar amir ahmed mohammed muhammad ali "
        "hassan hussein ibrahim yusuf khalid tariq marco mario luca giuseppe giovanni francesco antonio carlos "
        "javier luis fernando miguel pedro pablo jorge manuel rafael alejandro diego sergio emmanuel jean marc "
        "pierre jacques michel françois alain bernard philippe nicolas olivier hervé gérald gérard bruno laurent "
        "thierry didier yves hans jan jens klaus jürgen wolfgang helmut olaf markus stefan andreas frank uwe "
        "antoine arnaud benoît cédric damien fabien florian guillaume hugo jérôme julien loïc lucas mathieu "
        "maxime rémi romain sébastien thibault xavier yann josé jesús álvaro íñigo óscar raúl ramón andrés "
        "gonzalo joaquín enrique jürgen dieter günter horst matthias tobias lukas "
        "friedrich heinz sven anders lars nils erik olav magnus viktor victor ivan dmitry dmitri sergei sergey "
        "alexei alexey aleksei mikhail vladimir nikolai boris yuri oleg igor andrei andrey pavel maxim anton "
        "ilya leonid gennady valery vyacheslav volodymyr petro antony joe donald barack xi recep narendra olaf "
        "keir rishi boris emmanuel justin jair lula иван дмитрий сергей алексей михаил владимир николай борис "
        "юрий олег игорь андрей павел максим антон илья леонид геннадий валерий вячеслав александр евгений "
        "виктор пётр петр григорий константин роман денис артём артем кирилл"
    )
)
_RU_FEMALE_ENDINGS = ("ова", "ева", "ёва", "ина", "ына", "ая", "ova", "eva", "ina", "aya", "skaya")
_RU_MALE_ENDINGS = ("ов", "ев", "ёв", "ин", "ын", "ий", "ой", "ov", "ev", "sky", "skiy")

PRONOUN, IMPLICIT, NAME, DEFINITE, INDEFINITE, GROUP = "pronoun", "implicit", "name", "definite", "indefinite", "group"
IsPerson = Callable[[int, int], bool]  # whether a person the persons step found is named in [start, end)


@dataclass(frozen=True, slots=True)
class Said:
    """A speaker as written near a quote."""

    phrase: str  # "he", "Ned Price", "the ministry", "spokesman for the Ministry of Defence"
    kind: str  # PRONOUN, IMPLICIT (a verb with no subject: "dijo."), NAME, DEFINITE, INDEFINITE, GROUP
    verb: str  # the speech verb or cue as written ("said", "a-t-elle déclaré", "according to", "по словам")
    at: int  # offset of the phrase (of the verb for IMPLICIT): a pronoun stands for someone named before
    gender: str | None = None  # "f" or "m", from the pronoun, the verb's ending or the title
    person: bool = False  # a NAME that looks like a person's (a given name, a title, a person found there)
    titled: bool = False  # a DEFINITE whose head is a person's title ("the minister"): a person named before
    head: str = ""  # the noun of a DEFINITE, lowercase ("minister" of "the Education Minister")


# --- words of a window -------------------------------------------------------------------------------------

_UP = "A-ZÀ-ÖØ-ÞА-ЯЁ"
_TOKEN = re.compile(r"\w[\w'’-]*(?:\.\w[\w'’-]*)*|\S")  # a word ("U.S", "a-t-il", "l'AFP", "49.3") or a sign
_WORDS = re.compile(r"[\w'’-]+")
_SENTENCE_END = frozenset(".!?")
_QUOTE_MARKS = frozenset('"“”«»„')
_SEPARATORS = frozenset(",;:!?…-—–")

# What is known of a word, by its text: (lowercase, a word, capitalised, can be part of a name). Words
# recur, and working this out is most of the cost of reading a window.
_PROPS: dict[str, tuple[str, bool, bool, bool]] = {}
_PROPS_MAX = 50_000


def _props(text: str) -> tuple[str, bool, bool, bool]:
    low = text.casefold()
    word = text[0].isalnum()
    bare = text[2:] if low[:2] in ("l'", "d'", "l’", "d’") and len(text) > 2 else text
    cap = word and bare[0].isupper()
    props = (low, word, cap, cap and low not in _NOT_CAPS and bare.casefold() not in _NOT_CAPS)
    if len(_PROPS) >= _PROPS_MAX:
        _PROPS.clear()
    _PROPS[text] = props
    return props


class _Tok(NamedTuple):
    text: str
    start: int
    end: int
    low: str  # casefolded
    word: bool  # not a sign
    cap: bool  # capitalised (after an elided article: "l'AFP")
    name: bool  # may be part of a name: capitalised, and not a function word ("The", "According")


_new_tok = tuple.__new__  # a token made from a tuple, with no call of Python code


def _tokens(text: str, lo: int, hi: int, sentence: bool = False, limit: int = 1_000) -> list[_Tok]:
    """The words and signs of text[lo:hi]; with `sentence`, only up to the end of the first sentence; at most
    `limit` of them."""
    toks: list[_Tok] = []
    append, props = toks.append, _PROPS
    for m in _TOKEN.finditer(text, lo, hi):
        word = m[0]
        append(_new_tok(_Tok, (word, *m.span(), *(props.get(word) or _props(word)))))
        limit -= 1
        if not limit or (sentence and word in _SENTENCE_END and _ends_sentence(toks, len(toks) - 1)):
            break
    return toks


def _abbreviation(word: str) -> bool:
    return word.casefold() in _ABBREVIATIONS or (len(word) == 1 and word.isupper()) or "." in word


def _ends_sentence(toks: list[_Tok], k: int) -> bool:
    tok = toks[k]
    if tok.text not in _SENTENCE_END:
        return False
    prev = toks[k - 1] if k else None
    return tok.text != "." or prev is None or not (prev.word and prev.end == tok.start and _abbreviation(prev.text))


def _sentence_start(text: str, lo: int, at: int) -> int:
    """Where the sentence holding `at` starts, at or after lo (a dot after an abbreviation ends none)."""
    k = at
    for _ in range(4):
        cut = max(text.rfind(". ", lo, k), text.rfind("! ", lo, k), text.rfind("? ", lo, k))
        if cut < 0:
            return lo
        w, floor = cut, max(lo, cut - 12)
        while w > floor and (text[w - 1].isalpha() or text[w - 1] == "."):
            w -= 1
        if text[cut] != "." or not _abbreviation(text[w:cut]):
            return cut + 2
        k = cut
    return lo


# --- cues: the speech verb, "according to", and the like ---------------------------------------------------

VERB, ACCORDING, AFTERWORD, PARTICIPLE, STATEMENT = "verb", "according", "afterword", "participle", "statement"
_SINGLE = {
    **dict.fromkeys(VERBS, VERB),
    **dict.fromkeys(_PARTICIPLES, PARTICIPLE),
    **dict.fromkeys(_STATEMENT, STATEMENT),
    **dict.fromkeys(_ACCORDING, ACCORDING),
    "zufolge": AFTERWORD,
}
_CUE_FIRST = frozenset(_SINGLE) | _FR_AUX | _ES_AUX | {"according", "по"}  # what a cue can start with
# Every word a cue before a quote holds (of "a déclaré", "according to", "по словам", its last or only word)
_CUE_WORDS = (
    frozenset(_SINGLE)
    | _FR_PARTICIPLES
    | _ES_PARTICIPLES
    | frozenset(w.capitalize() for w in _SINGLE)
    | frozenset(words("according According словам мнению данным savoir valoir"))
)


@dataclass(frozen=True, slots=True)
class _Cue:
    i: int  # its first word
    j: int  # after its last word
    kind: str
    pronoun: str | None = None  # a subject inside the cue ("a-t-il déclaré", "dit-elle", "по его словам")
    gender: str | None = None


def _ru_gender(low: str) -> str | None:
    if not ("а" <= low[:1] <= "я" or low[:1] == "ё"):
        return None
    return "f" if low.endswith("ла") else "m" if low.endswith("л") else None


def _cue(toks: list[_Tok], i: int) -> _Cue | None:
    """The cue that starts at toks[i], if any."""
    low = toks[i].low
    if low in _FR_AUX or low in _ES_AUX:
        return _auxiliary(toks, i)
    if "-" in low:
        cue = _inverted(toks, i)
        if cue is not None:
            return cue
    if low in ("according", "по"):
        return _two_words(toks, i)
    kind = _SINGLE.get(low)
    return None if kind is None else _Cue(i, i + 1, kind, None, _ru_gender(low) if kind == VERB else None)


def _skip_adverbs(toks: list[_Tok], k: int) -> int:
    n = 0
    while k < len(toks) and toks[k].low in _FR_ADVERBS and n < 2:
        k, n = k + 1, n + 1
    return k


def _auxiliary(toks: list[_Tok], i: int) -> _Cue | None:
    """ "a déclaré", "a notamment affirmé", "a fait savoir", "ha dicho"."""
    k = _skip_adverbs(toks, i + 1)
    if k < len(toks) and toks[k].low in (_FR_PARTICIPLES if toks[i].low in _FR_AUX else _ES_PARTICIPLES):
        return _Cue(i, k + 1, VERB)
    if k + 1 < len(toks) and toks[k].low == "fait" and toks[k + 1].low in ("savoir", "valoir"):
        return _Cue(i, k + 2, VERB)
    return None


def _inverted(toks: list[_Tok], i: int) -> _Cue | None:
    """ "a-t-il déclaré", "explique-t-elle", "dit-il": a French verb with its subject after it."""
    low = toks[i].low
    auxiliary = _FR_INVERTED.fullmatch(low)
    if auxiliary is not None:
        k = _skip_adverbs(toks, i + 1)
        if k < len(toks) and toks[k].low in _FR_PARTICIPLES:
            return _Cue(i, k + 1, VERB, auxiliary[1], PRONOUNS.get(auxiliary[1]))
        return None
    verb = _FR_INVERTED_VERB.fullmatch(low)
    if verb is not None and verb[1] in _FR_PRESENT:
        return _Cue(i, i + 1, VERB, verb[2], PRONOUNS.get(verb[2]))
    return None


def _two_words(toks: list[_Tok], i: int) -> _Cue | None:
    """ "according to", "по словам", "по его словам"."""
    nxt = toks[i + 1].low if i + 1 < len(toks) else ""
    if toks[i].low == "according":
        return _Cue(i, i + 2, ACCORDING) if nxt == "to" else None
    if nxt in ("словам", "мнению", "данным"):
        return _Cue(i, i + 2, ACCORDING)
    if nxt in _POSSESSIVE_PRONOUNS and i + 2 < len(toks) and toks[i + 2].low == "словам":
        return _Cue(i, i + 3, ACCORDING, nxt, _POSSESSIVE_PRONOUNS[nxt])
    return None


def _cues(toks: list[_Tok], lo: int, hi: int) -> list[_Cue]:
    found = []
    k = lo
    while k < hi:
        low = toks[k].low
        cue = _cue(toks, k) if low in _CUE_FIRST or "-" in low else None
        if cue is not None:
            found.append(cue)
            k = cue.j
        else:
            k += 1
    return found


# --- phrases in a window of words --------------------------------------------------------------------------


class _Reader:
    """The words of a window of text, and the phrases they make: names, descriptions, subjects, objects."""

    def __init__(self, text: str, toks: list[_Tok], is_person: IsPerson) -> None:
        self.text = text
        self.toks = toks
        self.is_person = is_person

    def span(self, i: int, j: int) -> str:
        return self.text[self.toks[i].start : self.toks[j - 1].end]

    def verb(self, cue: _Cue) -> str:
        return self.span(cue.i, cue.j)

    # -- names and descriptions

    def chunk(self, i: int, hi: int) -> int:
        """The end of the run of capitalised words starting at i ("Ministry of Defence", "Dr. Jane Smith")."""
        toks = self.toks
        j = i + 1
        while j < hi:
            tok = toks[j]
            if tok.name or (tok.text == "." and toks[j - 1].end == tok.start and toks[j - 1].low in _ABBREVIATIONS):
                j += 1
            elif tok.low in _CONNECT and j + 1 < hi:
                k = j + 2 if toks[j + 1].low in ("the", "la", "los", "las", "l'") and j + 2 < hi else j + 1
                if not toks[k].name:
                    break
                j = k
            else:
                break
        return j

    def description(self, d: int, hi: int) -> int:
        """The end of the description starting with the determiner at d ("the foreign ministry", "le ministre
        de l'Intérieur", "a senior European diplomat"): words up to a comma, a preposition or a new clause."""
        toks = self.toks
        j = d + 1
        while j < hi and j < d + 8:
            tok = toks[j]
            low = tok.low
            if not tok.word or low in _BOUNDARY or low in _RELATIVE or low in _DETERMINERS or low in _VERBISH:
                break
            if (low in _PP and low not in _CONNECT) or (low in _CONNECT and not (j + 1 < hi and toks[j + 1].word)):
                break
            if tok.name and toks[j - 1].low in PERSON_TITLES:
                break  # "le colonel Hervé Martin": the name is a phrase of its own
            j += 1
        return j

    def name(self, i: int, j: int, verb: str) -> Said:
        toks = self.toks
        while i < j - 1 and toks[i].low.endswith(("'s", "’s")):
            i += 1  # "Russia's Peskov": the owner is not the speaker's name
        person = (
            self.is_person(toks[i].start, toks[j - 1].end)
            or (i > 0 and toks[i - 1].low in PERSON_TITLES)
            or any(t.low in _GIVEN_NAMES or t.low.rstrip(".") in _HONORIFICS for t in toks[i:j])
        )
        return Said(self.span(i, j), NAME, verb, toks[i].start, None, person)

    def desc(self, i: int, j: int, verb: str) -> Said | None:
        toks = self.toks
        if j - i < 2:
            return None
        head = toks[j - 1].low  # the noun it is about: the last word, or the one before an "of"
        for k in range(i + 2, j):
            if toks[k].low in ("of", "de", "del", "du", "des", "di"):
                head = toks[k - 1].low
                break
        if head in _NOT_SPEAKERS:
            return None
        gender = "f" if head in _FEMALE_TITLES else "m" if head in _MALE_TITLES else None
        if toks[i].low in _INDEFINITE:
            return Said(self.span(i + 1, j), INDEFINITE, verb, toks[i].start, gender)
        if gender is None and toks[i].low == "la" and head in PERSON_TITLES:
            gender = "f"
        titled = (head in PERSON_TITLES or head.endswith("-year-old")) and head not in _UNTITLED
        return Said(self.span(i, j), DEFINITE, verb, toks[i].start, gender, titled=titled, head=head)

    # -- the subject of a verb: the phrase before it

    def subject(self, lo: int, hi: int, verb: str) -> Said | None:
        """The subject of the verb at hi, in toks[lo:hi]: the last comma-separated part that can be one, or the
        name that opens the clause when what follows it is an apposition ("Ned Price, a State Department
        spokesman,")."""
        toks = self.toks
        if hi - lo == 1:  # "he", "Peskov": the common case, without the parts
            return self.trailing(lo, hi, verb)
        parts = _parts(toks, lo, hi)
        if len(parts) >= 2 and toks[parts[-1][0]].low in _RELATIVE and parts[-1][1] - parts[-1][0] == 1:
            a, b = parts[-2]  # "according to the central bank, which warned that ..."
            cue = _cue(toks, a)
            parts = [(cue.j if cue is not None and cue.kind == ACCORDING else a, b)]
        kept = [p for p in parts if not _dropped(toks, p)] or parts[-1:]
        if len(kept) >= 2 and _name_only(self, kept[0]) and all(_appositive(toks, p) for p in kept[1:]):
            kept = kept[:1]
        for a, b in kept[::-1][:3]:
            cut, end = a, b
            for k in range(a, b):
                if toks[k].low in _RELATIVE:
                    end = k  # "A woman who lives opposite the warehouse": the subject is before "who"
                    break
                if toks[k].low in _BOUNDARY and not toks[k].name:
                    cut = k + 1
            said = self.trailing(cut, end, verb)
            if said is not None:
                return said
        return None

    def trailing(self, lo: int, hi: int, verb: str, depth: int = 0) -> Said | None:
        """The speaker phrase that ends toks[lo:hi], right before the verb."""
        toks = self.toks
        hi = _strip_fillers(toks, lo, hi)
        if hi <= lo:
            return None
        last = toks[hi - 1]
        if last.low in _SUBJECT_PRONOUNS and (hi - 1 == lo or not toks[hi - 2].name):
            return Said(last.text, PRONOUN, verb, last.start, PRONOUNS[last.low])
        start = _phrase_start(toks, lo, hi)
        if start is None:
            return None
        i, kind = start
        before = i - 1
        if before > lo and toks[before].low in _DEFINITE and not toks[before].name and toks[before - 1].low in _PP:
            before -= 1  # "for the Ministry of Defence"
        if before >= lo and toks[before].low in _PP and depth < 2:
            return self._postmodified(lo, before, i, hi, kind, verb, depth)
        if kind == NAME:
            return self.name(i, hi, verb)
        if kind == GROUP:
            return Said(self.span(i, hi), GROUP, verb, toks[i].start)
        return self.desc(i, hi, verb)

    def _postmodified(self, lo: int, before: int, i: int, hi: int, kind: str, verb: str, depth: int) -> Said | None:
        """ "The Russian Embassy in Washington", "A spokesman for the Ministry of Defence": the speaker is the
        phrase before the preposition; "В МИД России назвали": the phrase after it, when nothing is before."""
        toks = self.toks
        if before == lo and toks[before].low in ("в", "во") and kind == NAME:
            return Said(self.span(i, hi), GROUP, verb, toks[i].start)
        head = self.trailing(lo, before, verb, depth + 1)
        if head is None or head.kind in (PRONOUN, IMPLICIT):
            return None
        if head.kind == INDEFINITE or (head.kind == DEFINITE and not head.titled):
            return Said(head.phrase + self.text[toks[before - 1].end : toks[hi - 1].end], head.kind, verb, head.at,
                        head.gender)  # fmt: skip
        return head

    def opening(self, s: int, hi: int, verb: str) -> Said | None:
        """The subject that opens a sentence ("Smith criticised the plan, saying ..."): the first phrase of its
        first part that is not an introduction ("On Monday,")."""
        toks = self.toks
        for a, b in _parts(toks, s, hi):
            if _dropped(toks, (a, b)):
                continue
            tok = toks[a]
            if tok.low in _SUBJECT_PRONOUNS:
                return Said(tok.text, PRONOUN, verb, tok.start, PRONOUNS[tok.low])
            if tok.name:
                return self.name(a, self.chunk(a, b), verb)
            return self.desc(a, self.description(a, b), verb) if tok.low in _DETERMINERS else None
        return None

    # -- the speaker after a verb

    def object(self, lo: int, hi: int, verb: str, gender: str | None = None) -> Said | None:
        """The speaker after a verb ("said Ned Price, a spokesman", "a affirmé à l'AFP le ministre, Paul
        Lemaire", "заявил журналистам пресс-секретарь Олег Смирнов"): the first person named there, else the
        first name or description no preposition governs. Nothing after the verb: the subject is implicit
        ("dijo.")."""
        toks = self.toks
        if lo >= hi or toks[lo].text in _SENTENCE_END:
            return Said("", IMPLICIT, verb, toks[lo - 1].start if lo else 0, gender)
        first = toks[lo]
        if first.low in PRONOUNS and not (first.low in _DETERMINERS and lo + 1 < hi and toks[lo + 1].word):
            return Said(first.text, PRONOUN, verb, first.start, PRONOUNS[first.low])  # not "said her lawyer"
        if first.low in ("в", "во") and verb.endswith("ли") and lo + 1 < hi:
            # "— сообщили в пресс-службе правительства": who said it is where it was said
            return Said(self.span(lo + 1, min(hi, lo + 5)), GROUP, verb, toks[lo + 1].start)
        found = self._phrases(lo, hi, verb)
        for said, governed in found:
            if said.person and not governed:
                return said
        return next((said for said, governed in found if not governed), None)

    def _phrases(self, lo: int, hi: int, verb: str) -> list[tuple[Said, bool]]:
        """The names and descriptions after a verb, up to a new clause, each with whether a preposition
        governs it ("à l'AFP", "a los periodistas", "in Oslo")."""
        toks = self.toks
        found: list[tuple[Said, bool]] = []
        k, governed, commas = lo, False, 0
        while k < hi and len(found) < 4:
            tok = toks[k]
            if not tok.word:
                if tok.text != "," or commas == 2 or not _apposition_follows(toks, k + 1, hi):
                    break
                k, commas, governed = k + 1, commas + 1, False
            elif tok.low in _RELATIVE or tok.low in _BOUNDARY or tok.low in _PARTICIPLES:
                break
            elif tok.low in _NAME_PARTICLES and _particles_then_name(toks, k, hi) is not None:
                j = self.chunk(k, hi)  # "said von der Leyen"
                found.append((self.name(k, j, verb), governed))
                k, governed = j, False
            elif _preposition(toks, k, hi):
                k, governed = k + 1, True
            elif tok.name:
                j = self.chunk(k, hi)
                found.append((self.name(k, j, verb), governed))
                k, governed = j, False
            elif tok.low in _DETERMINERS:
                j = self.description(k, hi)
                said = self.desc(k, j, verb)
                if said is not None:
                    found.append((said, governed))
                k, governed = max(j, k + 1), False
            else:  # a plain word: the noun a preposition governs ("a este diario"), or one before the speaker
                k, governed = k + 1, governed and tok.low in _DEMONSTRATIVES
        return found

    def statement(self, lo: int, hi: int, verb: str) -> Said | None:
        """ "— говорится в заявлении министерства", "hieß es in einer Mitteilung des Ministeriums": whose."""
        toks = self.toks
        k = lo
        while k < min(hi, lo + 5) and toks[k].low not in _STATEMENT_NOUNS:
            k += 1
        if k >= min(hi, lo + 5):
            return None
        k += 1
        if k < hi and toks[k].low in _DETERMINERS:
            k += 1
        if k < hi and toks[k].name:
            return self.name(k, self.chunk(k, hi), verb)
        j = k
        while j < min(hi, k + 3) and toks[j].word and toks[j].low not in _PP:
            j += 1
        return Said(self.span(k, j), GROUP, verb, toks[k].start) if j > k else None


_NAME_PARTICLES = frozenset(words("von van der den al bin ibn da di dos de"))


def _particles_then_name(toks: list[_Tok], k: int, hi: int) -> int | None:
    """Where the name starts after the particles at k ("von der" of "von der Leyen"), if they lead to one."""
    j = k
    while j < hi and j < k + 3 and toks[j].low in _NAME_PARTICLES:
        j += 1
    return j if k < j < hi and toks[j].name and toks[j].word else None


def _preposition(toks: list[_Tok], k: int, hi: int) -> bool:
    low = toks[k].low
    if low == "a":  # Spanish "a los periodistas", not the English article
        return k + 1 < hi and (toks[k + 1].low in _DETERMINERS or toks[k + 1].low in _DEMONSTRATIVES)
    return low in _PP and low not in _DETERMINERS


def _apposition_follows(toks: list[_Tok], k: int, hi: int) -> bool:
    return k < hi and (toks[k].cap or toks[k].low in _DETERMINERS or toks[k].low in PERSON_TITLES)


def _strip_fillers(toks: list[_Tok], lo: int, hi: int) -> int:
    """The end of a subject without what stands between it and its verb ("also", "on Monday", ",")."""
    while hi > lo:
        last = toks[hi - 1]
        if last.text == "." and hi - 2 >= lo and toks[hi - 2].low in _ABBREVIATIONS:
            break  # "Ferdinand Marcos Jr."
        if not last.word or last.low in _FILLERS:
            hi -= 1
        elif last.low in _TIME and hi - 2 >= lo and toks[hi - 2].low in _PP:
            hi -= 2  # "Smith on Monday said"
        else:
            break
    return hi


def _phrase_start(toks: list[_Tok], lo: int, hi: int) -> tuple[int, str] | None:
    """Where the phrase ending at hi starts, and what it is: a name, a description from its determiner, or
    a bare noun phrase ("Opposition lawmakers", "officials", "Pakistan's foreign ministry")."""
    if toks[hi - 1].name:
        i = hi - 1
        while i > lo and (toks[i - 1].name or toks[i - 1].low in _CONNECT or toks[i - 1].text == "."):
            if toks[i - 1].text == "." and not (i - 2 >= lo and toks[i - 2].low in _ABBREVIATIONS):
                break
            i -= 1
        if i == lo and _particles_then_name(toks, i, hi) is not None:
            return i, NAME  # "von der Leyen said": the particles open the sentence and the name
        while toks[i].low in _CONNECT or toks[i].text == ".":  # a connector cannot start a name
            i += 1
        return i, NAME
    for d in range(hi - 2, max(lo, hi - 8) - 1, -1):
        tok = toks[d]
        if not tok.word or tok.low in VERBS or tok.low in _SUBJECT_PRONOUNS or tok.low in _BOUNDARY:
            break
        if tok.low in _DETERMINERS:
            return d, DEFINITE
    for k in range(max(lo, hi - 4), hi):
        # a noun that speaks, then words with at most one preposition ("Источник в правительстве")
        if _speaks(toks[k].low) and all(t.word for t in toks[k:hi]) and sum(t.low in _PP for t in toks[k:hi]) <= 1:
            first = k  # and up to 3 words before it
            while first > max(lo, k - 3) and toks[first - 1].word and toks[first - 1].low not in _NOT_WORDS:
                first -= 1
            return first, GROUP
    return None


def _speaks(low: str) -> bool:
    return low in _SPEAKER_NOUNS or low in PERSON_TITLES or (low.endswith("s") and low[:-1] in _SPEAKER_NOUNS)


def _parts(toks: list[_Tok], lo: int, hi: int) -> list[tuple[int, int]]:
    """toks[lo:hi] split at commas, dashes and brackets."""
    parts, a = [], lo
    for k in range(lo, hi):
        if not toks[k].word and toks[k].text in ",;()—–-":
            if k > a:
                parts.append((a, k))
            a = k + 1
    if hi > a:
        parts.append((a, hi))
    return parts


def _dropped(toks: list[_Tok], part: tuple[int, int]) -> bool:
    """A part that cannot hold the subject: a relative clause, an introduction ("Asked about the report,", "In
    a statement,", "Speaking on Tuesday,")."""
    first = toks[part[0]].low
    return (
        first in _RELATIVE
        or first in _INTRO
        or first in _PARTICIPLES
        or first in _BOUNDARY
        or (first in _PP and first not in _DETERMINERS and first not in ("в", "во"))
        or (first.endswith("ing") and toks[part[0]].cap)
    )


def _name_only(reader: _Reader, part: tuple[int, int]) -> bool:
    a, b = part
    return b - a <= 6 and reader.toks[a].name and reader.chunk(a, b) == b


def _appositive(toks: list[_Tok], part: tuple[int, int]) -> bool:
    first = toks[part[0]]
    return first.low in _DETERMINERS or first.text[0].isdigit() or first.low in PERSON_TITLES or not first.cap


# --- the searches ------------------------------------------------------------------------------------------

_CUE_REACH = 200  # the furthest a cue before a quote stands from it ("According to ..., the new rules will")
_AFTER_CHARS = 220
_BEFORE_CHARS = 250
_TAIL_CHARS = 90  # from the verb of an attribution before a quote to the quote ("told reporters that it was")
_MAX_SUBJECT_WORDS = 14
_MAX_OBJECT_WORDS = 30


def after(text: str, end: int, inner: str, is_person: IsPerson) -> Said | None:
    """The attribution right after a quote that ends at `end` (after its closing mark); `inner` is its text.
    It needs a separator: a comma, a dash, or a question or exclamation mark, inside or after the marks."""
    last = inner.rstrip()[-1:]
    if last not in _SEPARATORS and text[end : end + 3].lstrip()[:1] not in (",", "—", "–", "-"):
        return None  # '"...our future." Several hundred people gathered'
    hi = min(len(text), end + _AFTER_CHARS)
    newline = text.find("\n", end, hi)
    hi = hi if newline < 0 else newline
    toks = _tokens(text, end, hi, sentence=True, limit=_MAX_SUBJECT_WORDS + 8)
    k = 0
    while k < len(toks) and not toks[k].word and toks[k].text in ",—–-":
        k += 1
    cue = _first_cue(toks, k)
    if cue is None or cue.kind == PARTICIPLE:
        return None
    if len(toks) == _MAX_SUBJECT_WORDS + 8 and not _ends_sentence(toks, len(toks) - 1):
        toks += _tokens(text, toks[-1].end, hi, sentence=True, limit=_MAX_OBJECT_WORDS)  # the words after the verb
    said = _after_cue(_Reader(text, toks, is_person), k, cue)
    if said is not None and not k and last in "!?" and not _exclaimed(toks, k, cue):
        return None
    return said


def _first_cue(toks: list[_Tok], k: int) -> _Cue | None:
    """The first cue of the clause starting at k, within a subject's reach of it."""
    if k + 1 < len(toks) and toks[k].low == "so" and toks[k + 1].cap:
        return _Cue(k, k + 1, VERB)  # "„...“, so Umweltministerin Lena Hartmann"
    n = 0
    for m in range(k, len(toks)):
        tok = toks[m]
        if not tok.word:
            if _ends_sentence(toks, m) or tok.text in _QUOTE_MARKS or tok.text == ";":
                return None
            continue
        cue = _cue(toks, m) if tok.low in _CUE_FIRST or "-" in tok.low else None
        if cue is not None:
            return cue
        n += 1
        if n > _MAX_SUBJECT_WORDS:
            return None
    return None


def _after_cue(reader: _Reader, k: int, cue: _Cue) -> Said | None:
    toks = reader.toks
    verb = reader.verb(cue)
    end = _clause_end(toks, cue.j)
    if cue.pronoun is not None:
        return Said(cue.pronoun, PRONOUN, verb, toks[cue.i].start, cue.gender)
    if cue.kind == STATEMENT:
        return reader.statement(cue.j, end, verb)
    if cue.i == k:  # the verb first: "said Ned Price", "— заявил Песков", "according to the ministry"
        if cue.kind == AFTERWORD:
            return None
        said = reader.object(cue.j, end, verb, cue.gender)
        return None if said is not None and said.kind == IMPLICIT and cue.kind != VERB else said
    return None if cue.kind == ACCORDING else reader.subject(k, cue.i, verb)


def _clause_end(toks: list[_Tok], k: int) -> int:
    while k < len(toks) and not _ends_sentence(toks, k) and toks[k].text not in _QUOTE_MARKS and toks[k].text != ";":
        k += 1
    return k


def _exclaimed(toks: list[_Tok], k: int, cue: _Cue) -> bool:
    """After "?" or "!" and no comma, the attribution must be one ("asked Smith", "she asked", "Smith asked."),
    not a new sentence about something else ("Smith said the answer was obvious")."""
    return not toks[k].cap or cue.i == k or _clause_end(toks, cue.j) - cue.j <= 3


def before(text: str, lo: int, start: int, is_person: IsPerson) -> Said | None:
    """The attribution before a quote starting at `start`, in its sentence from `lo` on: the subject of the
    last speech verb whose tail up to the quote is short ("Smith told reporters on Monday that the plan was"),
    or the speaker after "according to" and its kin."""
    begin = _sentence_start(text, max(lo, start - _BEFORE_CHARS), start)
    near = _WORDS.findall(text, max(begin, start - _CUE_REACH), start)
    if _CUE_WORDS.isdisjoint(near) and not (near and near[0].casefold() in _FOR):
        return None  # no speech verb near: reading the sentence word by word would find none
    toks = _tokens(text, begin, start)
    s = 0  # the sentence starts at `begin`, or after a sentence end no space follows ('."', ".\n")
    for k, tok in enumerate(toks):
        if tok.text in _SENTENCE_END and _ends_sentence(toks, k):
            s = k + 1
    cues = _cues(toks, s, len(toks))
    if s < len(toks) and toks[s].low in _FOR:
        cues.insert(0, _Cue(s, s + 1, ACCORDING))  # "Pour l'économiste Julien Marchand, la mesure est « ... »"
    reader = _Reader(text, toks, is_person)
    for cue in cues[::-1][:3]:
        said = _before_cue(reader, s, cue, start)
        if said is not None:
            return said
    return None


def _before_cue(reader: _Reader, s: int, cue: _Cue, start: int) -> Said | None:
    toks = reader.toks
    verb = reader.verb(cue)
    if cue.pronoun is not None:
        return Said(cue.pronoun, PRONOUN, verb, toks[cue.i].start, cue.gender)
    if cue.kind == ACCORDING or (cue.i > s and toks[cue.i - 1].low in _AS):
        # "According to X, ...", "Как заявил Волков, «...»": the speaker follows, up to a comma
        stop = cue.j
        while stop < len(toks) and toks[stop].text != "," and stop < cue.j + 12:
            stop += 1
        if stop < len(toks) and start - toks[stop].end > _TAIL_CHARS:
            return None
        return reader.object(cue.j, stop, verb)
    if start - toks[cue.j - 1].end > _TAIL_CHARS:
        return None
    if cue.kind == PARTICIPLE:
        return reader.opening(s, cue.i, verb)
    if cue.kind == STATEMENT:
        return reader.statement(cue.j, len(toks), verb)
    if cue.kind == AFTERWORD:
        return reader.trailing(s, cue.i, verb)
    said = reader.subject(s, cue.i, verb)
    if said is not None and said.kind == PRONOUN and said.gender is None:
        said = Said(said.phrase, PRONOUN, verb, said.at, cue.gender)
    return said


def previous_sentence(text: str, lo: int, start: int, is_person: IsPerson) -> Said | None:
    """The speaker of the sentence right before a quote that opens a sentence of its own, in the same paragraph
    ("Dr Khan explained the risks. "We are seeing more cases every week.""): the subject of its speech verb."""
    k = start - 1
    while k >= lo and text[k].isspace():
        k -= 1
    if k < lo or text[k] not in _SENTENCE_END:
        return None  # the quote does not open a sentence
    toks = _tokens(text, _sentence_start(text, max(lo, k - _BEFORE_CHARS), k), k + 1)  # the sentence before
    reader = _Reader(text, toks, is_person)
    for cue in _cues(toks, 0, len(toks) - 1)[::-1][:2]:
        if cue.kind != VERB:
            continue
        if cue.pronoun is not None:
            return Said(cue.pronoun, PRONOUN, reader.verb(cue), toks[cue.i].start, cue.gender)
        said = reader.subject(0, cue.i, reader.verb(cue))
        if said is not None:
            return said
    return None


def subject_before(text: str, lo: int, hi: int, is_person: IsPerson) -> Said | None:
    """The last organisation or group that said something in text[lo:hi] (what "it said" stands for)."""
    toks = _tokens(text, max(lo, hi - _BEFORE_CHARS), hi)
    starts, s = [], 0
    for k in range(len(toks)):
        starts.append(s)
        if _ends_sentence(toks, k):
            s = k + 1
    reader = _Reader(text, toks, is_person)
    for cue in _cues(toks, 0, len(toks))[::-1][:4]:
        if cue.kind != VERB:
            continue
        said = reader.subject(starts[cue.i], cue.i, reader.verb(cue))
        if said is not None and said.kind in (NAME, GROUP, DEFINITE) and not said.person and not said.titled:
            return said
    return None


# --- names and gender --------------------------------------------------------------------------------------

_GIVEN_NAMES = FIRST_NAMES | FEMALE_NAMES | MALE_NAMES
_GIVEN = re.compile(rf"\b([{_UP}][\w'’-]+)(?=[ \t]+([{_UP}][\w'’-]+))")


def names_in(text: str, lo: int, hi: int) -> list[tuple[int, str]]:
    """Names that start with a known given name in text[lo:hi] ("Petra Wolf"): persons the persons step may
    not have found, in languages its lists know less well."""
    return [(m.start(), f"{m[1]} {m[2]}") for m in _GIVEN.finditer(text, lo, hi) if m[1].casefold() in _GIVEN_NAMES]


@lru_cache(maxsize=4096)
def name_gender(name: str) -> str | None:
    """ "f" or "m" from a person's given name or a Russian surname; None when it does not say."""
    parts = name.casefold().split()
    if not parts:
        return None
    if parts[0] in FEMALE_NAMES:
        return "f"
    if parts[0] in MALE_NAMES:
        return "m"
    last = parts[-1]
    if len(last) > 4 and last.endswith(_RU_FEMALE_ENDINGS):
        return "f"
    if len(last) > 4 and last.endswith(_RU_MALE_ENDINGS):
        return "m"
    return None


def context_gender(text: str, start: int) -> str | None:
    """ "f" or "m" from the honorific or title right before a name ("Mrs", "chairwoman", "Frau")."""
    head = text[max(0, start - 20) : start].split()
    word = head[-1].casefold().rstrip(".") if head else ""
    if word in _FEMALE_HONORIFICS or word in _FEMALE_TITLES:
        return "f"
    if word in _MALE_HONORIFICS or word in _MALE_TITLES:
        return "m"
    return None


def title_gender(phrase: str) -> str | None:
    """ "f" or "m" from the honorific a name is written with ("Mrs. Amelia Stone")."""
    first = phrase.split(" ", 1)[0].casefold().rstrip(".")
    return "f" if first in _FEMALE_HONORIFICS else "m" if first in _MALE_HONORIFICS else None


@lru_cache(maxsize=4096)
def person_name(phrase: str) -> str:
    """A name as written without the titles and honorifics before it ("Dr Jane Smith" -> "Jane Smith",
    "Кремля Дмитрий Песков" -> "Дмитрий Песков", "Conservative MP Richard Hale" -> "Richard Hale")."""
    tokens = phrase.replace(". ", " ").split()
    # from the first given name that a surname follows ("Lee" ends "Jasmine Lee": a surname)
    start = next((k for k, token in enumerate(tokens[:-1]) if token.casefold() in _GIVEN_NAMES), None)
    if start is None:
        start = 0
        while start < len(tokens) - 1 and tokens[start].casefold().rstrip(".") in _HONORIFICS | PERSON_TITLES:
            start += 1
    tokens = tokens[start:]
    end = next((k for k in range(1, len(tokens)) if tokens[k].casefold() in _CONNECT - _PARTICLES), len(tokens))
    return " ".join(tokens[:end])
