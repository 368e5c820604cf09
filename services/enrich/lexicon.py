"""Small curated word lists the rule-based enrichers share (English, French, Russian)."""

from __future__ import annotations


def words(text: str) -> list[str]:
    """The words of a space-separated list (long lists stay readable)."""
    return text.split()


STOPWORDS_EN = frozenset(
    words(
        "a about above after again against all also although am an and any are as at be because been before "
        "being below between both but by can could did do does doing down during each either else even ever "
        "every few for from further had has have having he her here hers herself him himself his how however i "
        "if in into is it its itself just last later let many may me meanwhile might more most much must my "
        "myself neither next no nor not now of off often on once one only or other our ours ourselves out over "
        "own per same several she should since so some still such than that the their theirs them themselves "
        "then there these they this those though through thus to too under until up upon us very via was we "
        "were what when where whether which while who whom whose why will with within without would yet you "
        "your yours yourself yourselves according asked speaking despite amid among another around away back "
        "behind beyond earlier instead like near onto rather regarding say says said similar similarly new "
        "previous recent recently today yesterday tomorrow"
    )
)
STOPWORDS_FR = frozenset(
    words(
        "le la les un une des du de d l au aux et ou mais donc or ni car ce cet cette ces son sa ses leur leurs "
        "il elle ils elles on nous vous je tu qui que quoi dont où en dans sur sous pour par avec sans selon "
        "entre vers chez lors après avant depuis pendant est sont a ont été être avoir fait plus moins très "
        "aussi ne pas se sa mercredi mardi lundi jeudi vendredi samedi dimanche"
    )
)
STOPWORDS_RU = frozenset(
    words(
        "и в во не что он она оно они на я с со как а то все так его но да ты к у же вы за бы по только ее её "
        "мне было вот от меня еще ещё нет о из ему теперь когда даже ну вдруг ли если уже или ни быть был была "
        "были него до вас нибудь опять уж вам ведь там потом себя ничего ей может тут где есть надо ней для мы "
        "тебя их чем сам чтобы без будто чего раз тоже себе под будет ж тогда кто этот того потому этого какой "
        "совсем ним здесь этом один почти мой тем чтобы нее сейчас куда зачем всех никогда можно при наконец "
        "два об другой хоть после над больше тот через эти нас про всего них какая много разве три эту моя "
        "впрочем хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между "
        "это также однако по словам"
    )
)
STOPWORDS = STOPWORDS_EN | STOPWORDS_FR | STOPWORDS_RU

# Capitalised words that start sentences or headlines but name nothing.
NOT_NAMES = frozenset(
    words(
        "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
        "august september october november december story code photo reuters afp ap tass ria interfax update "
        "breaking mr mrs ms dr sir madam lundi mardi mercredi jeudi vendredi samedi dimanche janvier février "
        "mars avril mai juin juillet août septembre octobre novembre décembre понедельник вторник среда среду "
        "четверг пятница пятницу суббота субботу воскресенье января февраля марта апреля мая июня июля августа "
        "сентября октября ноября декабря президент министр"
    )
)

# Title words inside a capitalised sequence: what follows them is a person.
TITLES = frozenset(
    words(
        "president president-elect vice-president minister secretary chancellor premier spokesman spokeswoman "
        "spokesperson mr mr. mrs mrs. ms ms. dr dr. sir senator sen. sen governor gov. mayor general gen. gen "
        "king queen prince princess pope ambassador director chief chairman chairwoman ceo judge deputy vice "
        "state commissioner sheikh emir sultan ayatollah cardinal bishop archbishop patriarch rabbi "
        "representative rep. rep professor prof. prof coach captain colonel col. lieutenant commander admiral "
        "marshal leader speaker monsieur madame mme m. présidente ministre porte-parole sénateur député maire "
        "chef premier-ministre президент министр председатель премьер премьер-министр глава лидер генсек "
        "госсекретарь канцлер посол спикер пресс-секретарь вице-президент вице-премьер губернатор мэр "
        "генерал командующий депутат сенатор"
    )
)

# Lowercase words right before a capitalised sequence that mark it as a person.
PERSON_CUES = frozenset(
    words(
        "president president-elect minister secretary chancellor premier spokesman spokeswoman spokesperson "
        "senator governor mayor general king queen prince princess pope ambassador envoy director chief "
        "chairman chairwoman ceo founder judge deputy commissioner leader official figure activist journalist "
        "reporter lawyer candidate counterpart colleague analyst professor economist coach captain colonel "
        "commander negotiator diplomat correspondent author writer editor scientist researcher mp lawmaker "
        "dissident opposition président présidente ministre porte-parole sénateur sénatrice député députée "
        "maire chef dirigeant dirigeante opposant opposante journaliste avocat avocate homologue m. mme "
        "президент президента президентом министр министра пресс-секретарь пресс-секретаря глава главы канцлер "
        "канцлера премьер-министр премьер-министра госсекретарь госсекретаря спикер спикера посол посла "
        "губернатор губернатора мэр мэра лидер лидера оппозиционер оппозиционера политик политика представитель "
        "представителя депутат депутата председатель председателя директор директора генсек журналист "
        "журналиста"
    )
)

# Organisation keywords (any token of a sequence) and well-known organisations.
ORG_WORDS = frozenset(
    words(
        "ministry ministries council party embassy consulate parliament congress senate duma assembly court "
        "commission committee agency bank fund union organization organisation association federation institute "
        "university college corporation corp corp. inc inc. ltd ltd. llc plc company group holdings airlines "
        "limited incorporated gmbh ag s.a. sa spa s.p.a. nv n.v. bv oyj asa motors industries technologies "
        "pharmaceuticals pharma laboratories electric aerospace petroleum "
        "airways department office programme program administration authority bureau service services forces "
        "army navy police guard government cabinet board foundation league alliance coalition front movement "
        "network times post news journal gazette herald telegraph tribune press channel tv radio broadcasting "
        "kremlin pentagon ministère conseil parti ambassade assemblée sénat tribunal cour commission comité "
        "agence banque fonds union organisation fédération université société groupe gouvernement élysée "
        "matignon министерство министерства мид совет совета партия партии посольство посольства госдума "
        "госдумы дума думы кремль кремля кремле комиссия комитет агентство банк фонд союз правительство "
        "правительства"
    )
)
KNOWN_ORGS = frozenset(
    words(
        "Kremlin Pentagon NATO UN EU OSCE OPEC WHO IMF WTO IAEA Interpol Gazprom Rosneft Reuters Bloomberg "
        "Greenpeace Amnesty Google Apple Microsoft Amazon Facebook Meta Twitter Hamas Hezbollah Taliban Boeing "
        "Airbus Tesla Élysée Kremlin ООН НАТО ЕС МИД ФСБ ЦРУ ФБР Газпром Роснефть ОБСЕ МАГАТЭ Евросоюз "
        "Еврокомиссия Госдума Кремль Кремля Кремле "
        # companies
        "Volkswagen BYD Toyota Siemens Samsung Huawei Alibaba Tencent Baidu Nvidia Intel IBM Oracle OpenAI "
        "Anthropic Netflix Disney Walmart Pfizer Moderna AstraZeneca Novartis Roche Bayer BASF Nestlé Unilever "
        "ExxonMobil Chevron TotalEnergies Aramco Lukoil Novatek Rosatom Sberbank Aeroflot Renault Stellantis "
        "Nissan Hyundai Panasonic Foxconn TSMC Raytheon Rheinmetall Thales Safran Embraer Bombardier Ryanair "
        "Lufthansa Uber Airbnb SpaceX Barclays Citigroup JPMorgan BlackRock Deloitte KPMG PwC McKinsey Glencore "
        "Rosoboronexport Roscosmos Yandex Rostec Naftogaz Equinor Petrobras Pemex Sinopec PetroChina CNOOC "
        # legislatures, parties, unions, agencies, blocs
        "Bundestag Bundesrat Bundeswehr Bundesbank Knesset Histadrut Sejm Riksdag Storting Folketing Eduskunta "
        "Majlis Europol Frontex Eurostat Eurogroup UNICEF UNESCO UNHCR UNRWA ASEAN BRICS Mercosur Likud Fatah "
        "Hamas Houthis Daesh ISIS al-Qaeda G7 G8 G20 "
        # news organisations
        "BBC CNN AFP TASS Xinhua Interfax Kommersant Vedomosti Izvestia Politico Axios"
    )
) | {
    "White House",
    "European Union",
    "United Nations",
    "Security Council",
    "State Department",
    "Quai d'Orsay",
    "General Electric",
    "General Motors",
    "General Dynamics",
    "Goldman Sachs",
    "Morgan Stanley",
    "Lockheed Martin",
    "Northrop Grumman",
    "Al Jazeera",
    "Federal Reserve",
    "Red Cross",
    "Red Crescent",
    "Islamic State",
    "Muslim Brotherhood",
    "Lok Sabha",
    "Rajya Sabha",
    "Verkhovna Rada",
    "Paris Saint-Germain",
    "Real Madrid",
    "Inter Miami",
    "Manchester United",
    "Manchester City",
    "Bayern Munich",
    "Sinn Féin",
}
# Regions and continents: places without one country, never people.
REGIONS = frozenset(
    {
        "Europe",
        "Asia",
        "Africa",
        "America",
        "Latin America",
        "South America",
        "North America",
        "Middle East",
        "Near East",
        "Far East",
        "Global South",
        "Sahel",
        "Gulf",
        "Balkans",
        "Caucasus",
        "Arctic",
        "Antarctica",
        "Central Asia",
        "Southeast Asia",
        "South Asia",
        "East Asia",
        "West Africa",
        "East Africa",
        "Scandinavia",
        "Europa",
        "Afrique",
        "Asie",
        "Европа",
        "Европы",
        "Азия",
        "Азии",
        "Африка",
        "Африки",
    }
)
# Nouns after a name that make it an organisation ("Argumenty i Fakty newspaper").
ORG_AFTER = frozenset(
    words(
        "newspaper daily weekly magazine agency channel broadcaster network outlet website company firm group "
        "party bank airline"
    )
)

# Speech verbs, for quotes and for "X said" as a person cue.
SPEECH_VERBS_EN = (
    "said",
    "says",
    "told",
    "added",
    "stated",
    "declared",
    "noted",
    "warned",
    "wrote",
    "announced",
    "insisted",
    "argued",
    "explained",
    "stressed",
    "claimed",
    "asked",
    "replied",
    "tweeted",
    "commented",
    "continued",
    "acknowledged",
    "admitted",
    "urged",
    "suggested",
    "observed",
    "recalled",
    "remarked",
    "conceded",
    "emphasised",
    "emphasized",
    "underlined",
    "cautioned",
    "predicted",
    "promised",
    "vowed",
    "complained",
    "called",
    "described",
)
SPEECH_VERBS_FR = (
    "a déclaré",
    "a dit",
    "a affirmé",
    "a ajouté",
    "a souligné",
    "a estimé",
    "a indiqué",
    "a expliqué",
    "a assuré",
    "a averti",
    "a martelé",
    "a précisé",
    "a insisté",
    "a rappelé",
    "a confié",
    "a lancé",
    "a jugé",
    "a reconnu",
    "a prévenu",
    "a dénoncé",
    "déclare",
    "affirme",
    "ajoute",
    "souligne",
    "estime",
    "explique",
    "assure",
    "avertit",
    "précise",
    "a-t-il déclaré",
    "a-t-elle déclaré",
    "a-t-il dit",
    "a-t-elle dit",
    "a-t-il ajouté",
    "a-t-elle ajouté",
    "a-t-il affirmé",
    "a-t-elle affirmé",
    "a-t-il souligné",
    "a-t-elle souligné",
    "a-t-il estimé",
    "a-t-elle estimé",
    "déclaré",
    "affirmé",
    "ajouté",
    "souligné",
)
SPEECH_VERBS_RU = (
    "заявил",
    "заявила",
    "сказал",
    "сказала",
    "отметил",
    "отметила",
    "подчеркнул",
    "подчеркнула",
    "добавил",
    "добавила",
    "сообщил",
    "сообщила",
    "пояснил",
    "пояснила",
    "ответил",
    "ответила",
    "предупредил",
    "предупредила",
    "написал",
    "написала",
    "считает",
    "заявляет",
    "говорит",
    "признал",
    "признала",
    "уточнил",
    "уточнила",
    "указал",
    "указала",
    "констатировал",
    "констатировала",
)
SPEECH_VERBS = SPEECH_VERBS_EN + SPEECH_VERBS_FR + SPEECH_VERBS_RU
SPEECH_VERB_WORDS = frozenset(v for v in SPEECH_VERBS if " " not in v)
SPEECH_VERB_PAIRS = frozenset(v for v in SPEECH_VERBS if v.count(" ") == 1)  # "a déclaré"

# Common given names (international, Latin and Cyrillic script): a capitalised pair starting with one is a person.
FIRST_NAMES = frozenset(
    words(
        "aaron abdel abdul abdullah abu adam adrian ahmad ahmed aisha ajay akira alain alan albert alberto "
        "alejandro aleksandr aleksei alessandro alex alexander alexandre alexandra alexei alexey alexis alfred "
        "ali alice alicia alisher amir amy ana anatoly anders andrea andreas andrei andrej andres andrés andrew "
        "andrzej andy angela angelo ann anna anne annalena antonio antony antoine anthony anton antonin arnaud "
        "arseniy arsen arthur artem ashraf avi ayman barack barbara bashar ben benjamin benoît bernard bernie "
        "bill bob boris brad brian bruno carl carla carlos caroline catherine cathy charles charlotte chen "
        "chris christian christina christine christopher chuck claire claude claudia colin cyril daniel daniela "
        "danielle dario david dennis denis dmitri dmitry dmitriy dominic dominique donald edouard édouard "
        "edward elena eli elisabeth elizabeth emily emma emmanuel emine enrique eric erik ernesto evgeny fabien "
        "fabius faisal fatima felipe fernando florence francesco francis francisco françois frank franz "
        "frederic frédéric gabriel gary george georges gerhard giorgia giorgio giuseppe gordon grace gregory "
        "guillaume gustavo hakan hamad hans harold harry hassan heinrich helen helena henri henry hillary "
        "hiroshi hossein hugo hunter ian igor ilham ilya imran ingrid irina isaac isabel isabelle ivan jack "
        "jacob jacques jake james jan jane janet jason javier jean jean-claude jean-luc jean-marc jean-marie "
        "jean-pierre jean-yves jeff jeffrey jennifer jens jeremy jerome jérôme jim jimmy joachim joan joanna "
        "joe johan john johnny jonathan jorge josé joseph josep juan julia julian julie justin kamala karen "
        "karim karin karl kate katherine kay keir kemal ken kenneth kevin khalid kim kirill klaus kurt lars "
        "laura laurent lee leo leon léon li linda lisa liz louis luc luca lucas luis luiz lula magdalena "
        "mahmoud manuel marc marcel marco margaret margarita margrethe maria mariana marie marine mario mark "
        "marta martin mary masha mateusz matteo matthew max maxim maria mehmet melania michael michel michelle "
        "miguel mikhail mike min mohamed mohammad mohammed muhammad nadia nancy naftali narendra natalia "
        "natalya nathalie ned nicholas nick nicola nicolas nicole nikita nikol nikolai nikolay nina noah "
        "norbert oleg olaf olena oleksandr oleksiy olga olivia olivier omar oscar pablo pascal patricia patrick "
        "paul paula pavel pedro peter petr petro philip philippe pierre pyotr rachel rafael ramzan raúl raul "
        "recep rex richard rishi rob robert roberto rodrigo roger roman ronald rosa ruslan ryan said salman sam "
        "samantha samuel sandra sara sarah scott sebastian sébastien segolene ségolène sergei sergey sergio "
        "shinzo simon sofia sophie stefan stéphane stephen steve steven sue sun susan svetlana sylvie tatiana "
        "tatyana ted theresa thierry thomas tim timothy tom tony ursula valentina valerie valérie vasily vera "
        "victor viktor vincent vitaly vladimir vladislav volodymyr walter wang wei william xavier xi yana yann "
        "yasser yevgeny yoshihide yulia yuri yury zhang александр алексей анатолий андрей анна антон борис "
        "вадим валентина валерий василий вера виктор виталий владимир владислав галина геннадий георгий "
        "григорий дмитрий евгений евгения екатерина елена иван игорь илья ирина кирилл константин лариса леонид "
        "любовь максим мария марина михаил надежда наталья николай нина олег ольга павел пётр петр роман руслан "
        "светлана сергей станислав татьяна юлия юрий ярослав рамзан эммануэль джо джозеф дональд ангела олаф "
        "антони"
    )
)
