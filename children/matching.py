"""Name matching a practitioner can trust, without database extensions.

Each child carries a list of *search keys* computed here from their names and kept in an
indexed array column. A search computes keys for what was typed, fetches the children sharing
any key through the index, then ranks those few candidates in Python with a proper string
similarity measure (rapidfuzz) and says why each one matched.

Keys, for every forename F and surname S a child is known by (other names included):

    fs:<F>:<S>   forename form and surname sound          "Jon Smith" ~ "John Smyth"
    fp:<F>:<ss>  forename form and first two surname letters  typo in the surname's sound
    fk:<F>:<k>   forename form and the surname's sorted consonants  letters typed swapped
    is:<f>:<S>   forename initial and surname sound           typo in the forename
    s:<S>        surname sound alone                          one-word searches
    f:<F>        forename form alone

A forename's *forms* are its phonetic code (Metaphone) and the root of every nickname or
spelling group it belongs to, so "Jon", "Johnny" and "John" share ``g:john``, and "Aleksandra"
and "Alexandra" share a sound. Surnames are split at hyphens and spaces, and also kept whole,
so "Smith-Jones" is found by "Smith", "Jones" or "Smithjones".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

import jellyfish
from anyascii import anyascii
from rapidfuzz import fuzz

# Groups of forenames that are one name to a practitioner: nicknames, short forms and common
# spellings or transliterations. The first entry names the group. A name may be in several.
NAME_GROUPS: tuple[tuple[str, ...], ...] = (
    (
        "john",
        "jon",
        "johnny",
        "jonny",
        "jack",
        "jackie",
        "johnnie",
        "sean",
        "shaun",
        "shawn",
        "ian",
        "evan",
        "juan",
        "giovanni",
        "johan",
        "jan",
    ),
    ("jonathan", "jon", "jonny", "johnathan", "jonathon", "nathan"),
    ("james", "jim", "jimmy", "jamie", "jimmie", "jem", "jacob", "jake", "seamus", "diego"),
    ("william", "will", "bill", "billy", "willie", "willy", "liam", "wills"),
    ("robert", "rob", "bob", "bobby", "robbie", "bert", "robin"),
    ("richard", "rich", "rick", "ricky", "dick", "richie"),
    (
        "michael",
        "mike",
        "mikey",
        "mick",
        "micky",
        "mickey",
        "mikhail",
        "michal",
        "miguel",
        "michele",
    ),
    ("thomas", "tom", "tommy", "tomas", "thom"),
    ("joseph", "joe", "joey", "jo", "josef", "jose", "yusuf", "youssef", "yousef", "yusef"),
    ("daniel", "dan", "danny", "dani", "daniele", "danyal", "daniyal"),
    ("christopher", "chris", "kit", "christoph", "kristopher", "cristopher"),
    ("matthew", "matt", "matty", "mathew", "matteo", "mateusz"),
    ("anthony", "tony", "antony", "anton", "antonio"),
    (
        "alexander",
        "alex",
        "alec",
        "sandy",
        "xander",
        "aleksander",
        "alexandr",
        "sasha",
        "oleksandr",
        "iskander",
        "sikandar",
    ),
    ("alexandra", "alex", "alexa", "lexi", "sandra", "aleksandra", "sasha", "alessandra"),
    ("edward", "ed", "eddie", "ted", "teddy", "ned", "eduardo", "edvard"),
    ("benjamin", "ben", "benny", "benji"),
    ("samuel", "sam", "sammy", "samuil"),
    ("samantha", "sam", "sammy", "sammie"),
    ("nicholas", "nick", "nicky", "nico", "nicolas", "mykola", "nikolai", "nikola"),
    ("stephen", "steve", "steven", "stevie", "stefan", "esteban", "stefano"),
    ("charles", "charlie", "chas", "chuck", "carl", "karl", "carlos"),
    ("henry", "harry", "hal", "hank", "henri", "enrique"),
    ("frederick", "fred", "freddie", "freddy", "fritz"),
    (
        "elizabeth",
        "liz",
        "lizzie",
        "beth",
        "betty",
        "eliza",
        "elisabeth",
        "lisa",
        "libby",
        "elsie",
        "bess",
        "isabel",
        "elspeth",
    ),
    (
        "katherine",
        "kate",
        "katie",
        "kath",
        "kathy",
        "cathy",
        "catherine",
        "kathryn",
        "katarzyna",
        "kasia",
        "caitlin",
        "ekaterina",
        "katya",
        "kat",
    ),
    ("margaret", "maggie", "meg", "peggy", "marge", "margarita", "greta", "rita", "daisy"),
    ("rebecca", "becky", "becca", "bex", "rebekah", "rivka"),
    ("jennifer", "jen", "jenny", "jenni", "jenna"),
    ("victoria", "vicky", "vicki", "tori", "viktoria"),
    ("abigail", "abby", "abbie", "abi", "gail"),
    ("susan", "sue", "susie", "suzanne", "suzie", "susanna", "suzanna"),
    ("deborah", "debbie", "deb", "debra"),
    ("patricia", "pat", "patty", "tricia", "trish"),
    ("patrick", "pat", "paddy", "padraig"),
    (
        "mohammed",
        "muhammad",
        "mohammad",
        "mohamed",
        "muhammed",
        "mohamad",
        "mahomed",
        "mehmet",
        "mohammod",
        "mahmoud",
        "mo",
        "moe",
        "md",
    ),
    ("ahmed", "ahmad", "ahmet", "ehmed"),
    ("abdullah", "abdulla", "abdallah"),
    ("fatima", "fatimah", "fatma", "fatme"),
    ("aisha", "ayesha", "aysha", "aishah", "ayisha"),
    ("hussein", "hussain", "husain", "hossein", "huseyin"),
    ("yasmin", "yasmine", "jasmine", "jasmin", "yasmeen"),
    ("mariam", "maryam", "miriam", "mary", "maria", "marie", "mari", "molly", "polly", "mariya"),
    ("oluwaseun", "seun", "shaun"),
    ("oluwatobi", "tobi", "toby", "tobias"),
    ("olumide", "mide"),
    ("adebayo", "bayo"),
    ("chukwuemeka", "emeka"),
    ("oluwafemi", "femi"),
    ("siobhan", "shivaun", "shevaun", "chevonne", "shavonne", "siobahn"),
    ("niamh", "neve", "neave", "nieve"),
    ("aoife", "eva", "eefa"),
    ("zoe", "zoey", "zoë"),
    ("chloe", "chloë", "cloe"),
    ("leah", "lea", "leia"),
    ("sophie", "sophia", "sofia", "sofie", "sopie"),
    ("olivia", "liv", "livvy", "olly", "ollie"),
    ("oliver", "ollie", "olly", "olivier", "oli"),
    ("emily", "em", "emmy", "emilie", "emilia", "amelia", "milly"),
    ("isabella", "bella", "izzy", "isabelle", "isobel", "isabel", "izabela"),
    ("grace", "gracie"),
    ("lucy", "lucie", "lucia", "luci"),
    ("ella", "ellie", "elle", "eleanor", "elena", "helena", "ellen", "helen", "nell", "nellie"),
    ("jessica", "jess", "jessie", "jessy"),
    ("natalie", "nat", "natalia", "natasha", "tasha", "nataliya"),
    ("anastasia", "stacey", "stacy", "nastya", "ana"),
    ("anna", "ana", "ann", "anne", "annie", "hannah", "hanna", "anya", "ania"),
    ("kayleigh", "kayley", "kaylee", "kailey", "caley", "kaylie"),
    ("connor", "conor", "konnor"),
    ("aidan", "aiden", "ayden", "aden", "adan"),
    ("jayden", "jaden", "jaiden", "jaydon", "jaedon"),
    ("kyle", "kile"),
    ("reece", "rhys", "reese", "rees"),
    ("luke", "lucas", "luka", "lukas", "luca"),
    ("mark", "marc", "marcus", "markus", "marco"),
    ("peter", "pete", "piotr", "pierre", "pedro", "pietro", "petr"),
    ("paul", "pablo", "paulo", "pawel", "paolo"),
    ("david", "dave", "davey", "davy", "dawid", "dafydd", "daoud", "dawud"),
    ("andrew", "andy", "drew", "andrei", "andrzej", "andreas", "andres"),
    ("gabriel", "gabe", "gabby", "gabriele", "jibril"),
    ("ibrahim", "ebrahim", "abraham", "abe", "ibrahima"),
    ("isaac", "ike", "ishaq", "izaak"),
    ("joshua", "josh", "joshy"),
    ("zachary", "zach", "zack", "zak", "zac"),
    ("nathaniel", "nate", "nathan", "nat"),
    ("tyrone", "ty"),
    ("kwame", "kwami"),
    ("precious", "presh"),
    ("ethan", "eitan"),
    ("mia", "miya"),
    ("amir", "ameer", "emir"),
    ("nur", "noor", "nour"),
    ("musa", "moses", "moshe"),
    ("yahya", "yahia", "yehia"),
    ("zainab", "zaynab", "zeinab"),
    ("khadija", "khadijah", "kadija", "hatice"),
    # English
    ("charlotte", "charlie", "lottie", "lotte", "carlotta"),
    ("frances", "fran", "frankie", "francesca"),
    ("francis", "frank", "frankie", "francesco", "francisco", "franciszek", "franz"),
    ("theodore", "theo", "ted", "teddy", "fedor", "fyodor"),
    ("florence", "flo", "florrie", "flora"),
    ("harriet", "hattie", "harry"),
    ("eleanor", "nora", "norah", "ellie", "leonora"),
    ("dorothy", "dot", "dottie", "dora", "dorota"),
    ("georgia", "georgie", "georgina", "gina"),
    ("louisa", "lou", "louise", "lulu", "luiza", "luisa"),
    ("lewis", "louis", "lou", "luis", "luiz", "ludwig"),
    # Irish
    ("orlaith", "orla", "orlagh", "orlaigh"),
    ("sinead", "shinead", "jane", "janet"),
    ("padraig", "patrick", "paddy", "podraig"),
    ("diarmuid", "dermot", "diarmaid", "dermott"),
    ("eoin", "owen", "eoghan", "ewan", "euan"),
    ("ciaran", "kieran", "kieron", "ciaron"),
    ("roisin", "rosheen", "rose"),
    ("grainne", "grania", "granya"),
    ("mairead", "maighread", "margaret"),
    ("sean", "shaun", "shawn", "john"),
    ("tadhg", "teague", "tim"),
    ("caoimhe", "keeva", "kiva", "keva"),
    # Polish
    ("malgorzata", "gosia", "goska", "malgosia", "margaret"),
    ("aleksandra", "ola", "ala", "olenka", "alexandra"),
    ("wojciech", "wojtek", "wojtus"),
    ("jakub", "kuba", "kubus", "jacob", "jakob"),
    ("katarzyna", "kasia", "kasha", "kate"),
    ("agnieszka", "aga", "agusia", "agnes"),
    ("malwina", "malwinka"),
    ("krzysztof", "krzys", "krzysiek", "christopher"),
    ("grzegorz", "grzesiek", "greg", "gregory"),
    ("bartlomiej", "bartek", "bartosz", "bart"),
    ("zofia", "zosia", "sophia"),
    ("joanna", "asia", "joasia", "johanna"),
    ("stanislaw", "stas", "stan", "stanley"),
    ("tomasz", "tomek", "thomas"),
    ("pawel", "pawelek", "paul"),
    ("lukasz", "lukas", "luke"),
    ("maciej", "maciek", "matthias"),
    ("jozef", "jozek", "joseph"),
    # Nordic and German
    ("lars", "lasse", "laurence", "lawrence"),
    ("nils", "niels", "nicholas"),
    ("johannes", "hannes", "johann", "jens", "john"),
    ("maximilian", "max", "maxi", "maks", "maksymilian"),
    ("wolfgang", "wolf"),
    ("friedrich", "fritz", "frederick"),
    ("elisabeth", "lisbeth", "liesel", "elsa", "ilse", "elizabeth"),
    ("margarethe", "grete", "gretchen", "margaret"),
    # Yoruba and Igbo
    ("ifeoma", "ify", "ife", "ifeyinwa"),
    ("ikechukwu", "ike", "ikechi"),
    ("temitope", "tope", "temi"),
    ("oluwadamilola", "damilola", "dami", "lola"),
    ("adewale", "wale"),
    ("olubunmi", "bunmi"),
    ("oluwakemi", "kemi"),
    ("babatunde", "tunde"),
    ("abimbola", "bimbo", "bimpe"),
    ("chinonso", "nonso"),
    ("chinedu", "nedu"),
    ("chidinma", "dinma", "chidi"),
    ("ngozi", "ngo"),
    ("nkechi", "kechi"),
    ("obinna", "obi"),
    ("oluwaseyi", "seyi"),
    # Somali and Arabic
    ("fatima", "faadumo", "fadumo", "faduma", "fatuma", "fatimo"),
    ("halima", "xaliimo", "halimo", "haliimo", "halimah"),
    ("hawa", "xawa", "hawo", "xawo", "eve"),
    ("asha", "aasha", "caasha", "aisha"),
    ("hodan", "xodan"),
    ("abdirahman", "cabdiraxmaan", "abdurahman", "abdulrahman", "abdelrahman"),
    ("abdullahi", "cabdullaahi", "abdullah"),
    ("omar", "cumar", "umar", "omer", "oumar"),
    ("ali", "cali", "aly"),
    ("hassan", "xasan", "hasan", "hasaan"),
    ("hussein", "xuseen", "husein"),
    ("mohammed", "maxamed", "maxamuud"),
    ("yusuf", "yuusuf", "yousuf", "yussuf"),
    ("ismail", "ismaaciil", "ismael", "ishmael"),
    ("ayub", "ayuub", "ayoub", "job"),
    ("idris", "idriss", "idrees"),
    ("sulaiman", "suleiman", "sulayman", "suleyman", "solomon"),
    ("mustafa", "mustapha", "mostafa", "mustafe"),
    # Russian, Ukrainian, Greek
    ("aleksandr", "sasha", "sanya", "shura", "alexander", "oleksandr"),
    ("dmitry", "dmitri", "dima", "mitya", "dimitri", "dimitrios", "dimitris", "dimitar"),
    ("evgeny", "zhenya", "evgeni", "yevgeny", "eugene", "yevhen"),
    ("evgenia", "zhenya", "eugenia", "yevheniya"),
    ("ekaterina", "katya", "katerina", "aikaterini", "kate", "kateryna"),
    ("anastasia", "nastya", "nastia", "stasya"),
    ("mikhail", "misha", "michael", "mykhailo"),
    ("vladimir", "volodya", "vova", "volodymyr"),
    ("ivan", "vanya", "john"),
    ("maria", "masha", "mariya", "maroussia"),
    ("olga", "olya", "olha"),
    ("tatiana", "tanya", "tatyana"),
    ("yulia", "yuliya", "julia", "iuliia"),
    ("sergei", "seryozha", "serhiy", "serhii"),
    ("nikolai", "kolya", "mykola", "nicholas"),
    ("georgios", "giorgos", "yiorgos", "george", "georgi", "jorge", "yuri", "yuriy", "gheorghe"),
    ("konstantinos", "kostas", "costas", "konstantin", "kostya", "constantine", "dinos"),
    ("panagiotis", "panos", "takis"),
    ("athanasios", "thanos", "thanasis"),
    ("vasileios", "vasilis", "basil", "vasily", "vasyl"),
    ("ioannis", "giannis", "yiannis", "yannis", "john"),
    ("eleni", "lena", "helen", "elena"),
    ("paraskevi", "voula", "evi"),
    # Portuguese, Turkish, Vietnamese, Chinese
    ("joao", "john", "jojo"),
    ("goncalo", "gonzalo"),
    ("conceicao", "sao"),
    ("mehmet", "memo"),
    ("huseyin", "hussein"),
    ("ozlem", "ozi"),
)

_GROUPS_BY_NAME: dict[str, tuple[str, ...]] = {}


def _group_names() -> None:
    """Index the groups by each name's folded spelling (fold is defined below), so another
    romanisation of a name in a group is in the group too (Dmitrii, Dmitriy, Dmitry)."""
    for group in NAME_GROUPS:
        for name in group:
            key = fold(name)
            if group[0] not in _GROUPS_BY_NAME.get(key, ()):
                _GROUPS_BY_NAME[key] = (*_GROUPS_BY_NAME.get(key, ()), group[0])


POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_NON_LETTERS = re.compile(r"[^a-z]+")


def _is_cjk(ch: str) -> bool:
    """A Chinese, Japanese or Korean character: one syllable each, written without spaces."""
    return "\u3040" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


# Greek letter pairs read as one sound, which a letter-by-letter transliteration misses
# (Οικονόμου is Oikonomou, not Oikonomoy; Ευάγγελος is Evangelos).
_GREEK_PAIRS = (
    (re.compile(r"ου"), "ou"),
    (re.compile(r"αυ"), "av"),
    (re.compile(r"ευ"), "ev"),
    (re.compile(r"γγ"), "ng"),
    (re.compile(r"γκ"), "ng"),
    (re.compile(r"\bμπ"), "b"),
    (re.compile(r"\bντ"), "d"),
)


def _greek_digraphs(text: str) -> str:
    plain = "".join(
        ch for ch in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(ch)
    )
    for pattern, latin_letters in _GREEK_PAIRS:
        plain = pattern.sub(latin_letters, plain)
    return plain


def latin(text: str) -> str:
    """A name in plain Latin letters, as it would be typed on an English keyboard.

    The transliteration is anyascii's, which covers every script: "Łukasz" -> "Lukasz",
    "Yıldız" -> "Yildiz", "Strauß" -> "Strauss", "Ærø" -> "AEro", "Александр" -> "Aleksandr",
    "Γιώργος" -> "Giorgos". Chinese, Japanese and Korean syllables are kept apart ("小明" ->
    "Xiao Ming") so a given name typed joined or spaced is found either way.
    """
    text = text or ""
    if any("\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff" for ch in text):
        text = _greek_digraphs(text)
    if any(_is_cjk(ch) for ch in text):
        text = "".join(f" {ch} " if _is_cjk(ch) else ch for ch in text)
    return anyascii(text)


def normalise(text: str) -> str:
    """Lower case, transliterated to Latin letters, apostrophes dropped, everything else a single
    space.

    "Zoë O'Connor-Brown" -> "zoe oconnor brown"; "Łukasz Wiśniewski" -> "lukasz wisniewski".
    """
    plain = latin(text).casefold().replace("'", "").replace("`", "")
    return _NON_LETTERS.sub(" ", plain).strip()


# Letters an English keyboard writes with two letters as often as with one (Šarić as Saric or
# Sharic, Müller as Muller or Mueller, Đorđe as Dorde or Djordje): a name holding one is keyed
# under both spellings. The one-letter spelling is anyascii's.
_TWO_LETTER_SPELLINGS = str.maketrans(
    {
        "š": "sh",
        "Š": "Sh",
        "č": "ch",
        "Č": "Ch",
        "ž": "zh",
        "Ž": "Zh",
        "ş": "sh",
        "Ş": "Sh",
        "ç": "ch",
        "Ç": "Ch",
        "đ": "dj",
        "Đ": "Dj",
        "ğ": "",
        "ü": "ue",
        "Ü": "Ue",
        "ö": "oe",
        "Ö": "Oe",
        "ä": "ae",
        "Ä": "Ae",
        "ø": "oe",
        "Ø": "Oe",
        "å": "aa",
        "Å": "Aa",
        "þ": "th",
        "Þ": "Th",
        "ё": "yo",
        "Ё": "Yo",
        "ь": "",
        "ъ": "",
    }
)

# Words that begin a surname rather than being one: Irish Ní, Nic, Ó, Mac, Uí; Arabic al, el,
# bin, ibn, abu; Portuguese de, da, dos. They are not keyed on their own, so "Ní" alone never
# matches every Ní; the surname is keyed with and without them.
PARTICLES = frozenset(
    "ni nic ui mhic o mac mc al el ul bin ibn bint binti abu de da do dos das di".split()
)
# After Ní, Nic, Uí and Mhic an Irish surname is lenited: Ní Bhriain is Ó Briain.
_LENITING = frozenset(("ni", "nic", "ui", "mhic"))
_LENITED = re.compile(r"^([bcdfgmpst])h")
# Somali writes ḥ as x and ʿayn as c (Xasan for Hassan, Cabdi for Abdi).
_SOMALI_X = re.compile(r"x")
_SOMALI_C = re.compile(r"^c(?=[aeiou])|(?<=[aeiou])c(?=[aeiou]|$)")


_WADE_GILES = (
    (re.compile(r"^zh"), "ch"),
    (re.compile(r"^q(?!u)"), "ch"),
    (re.compile(r"^x"), "hs"),
)


def _spellings(word: str) -> list[str]:
    """Other Latin spellings of one transliterated word a practitioner may type: Somali
    spelling, and the older romanisation of Chinese (Zhou as Chou, Xiao as Hsiao)."""
    found = []
    for pattern, older in _WADE_GILES:
        if pattern.match(word):
            found.append(pattern.sub(older, word))
    if "x" in word or word.startswith("c"):
        somali = _SOMALI_C.sub("", _SOMALI_X.sub("h", word))
        if somali != word and len(somali) >= 3:
            found.append(somali)
    return found


@lru_cache(maxsize=100_000)
def _tokens(text: str) -> tuple[str, ...]:
    return tuple(tokens_of(text))


def tokens(text: str) -> list[str]:
    """The words of a name as keyed (see :func:`tokens_of`); remembered for names seen often."""
    return list(_tokens(text or ""))


# A name, or a search, counts this many words at most: enough for any real name (the longest
# have four or five), while a pasted paragraph costs no more to key and rank than a name.
MAX_WORDS = 8
# The search-key column holds keys of up to this many characters.
KEY_LENGTH = 80


def tokens_of(text: str) -> list[str]:
    """The words of a name as keyed: each word transliterated, and also in its two-letter
    spelling; a double-barrelled or spaced name also kept whole; a surname particle (Ní, al) left
    out on its own, and an Irish surname after Ní or Nic also without its lenition. At most
    :data:`MAX_WORDS` words of a name count."""
    words = normalise(text).split()[:MAX_WORDS]
    result = [w for w in words if w not in PARTICLES or len(words) == 1]
    if len(words) > 1:
        result.append("".join(words))
        for before, word in zip(words, words[1:], strict=False):
            if before in _LENITING and _LENITED.match(word):
                result.append(_LENITED.sub(r"\1", word))
    # Arabic writes the article joined to the name (الجبوري, al-Jubouri): keyed without it too.
    result += [
        part
        for w in (text or "").split()[:MAX_WORDS]
        if w.startswith("ال")
        for part in normalise(w[2:]).split()
    ]
    two_letter = normalise((text or "").translate(_TWO_LETTER_SPELLINGS)).split()[:MAX_WORDS]
    if two_letter != words:
        result += [w for w in two_letter if w not in PARTICLES]
        if len(two_letter) > 1:
            result.append("".join(two_letter))
    result += [other for w in list(result) for other in _spellings(w)]
    # Order kept, duplicates and empty words dropped.
    return [w for w in dict.fromkeys(result) if w]


@lru_cache(maxsize=100_000)
def written(text: str) -> MappingProxyType[str, str]:
    """Each word of a name as keyed, with the word as written where they differ by more than
    letter case and apostrophes ({"lukasz": "Łukasz"}): the reasons a match gives say so.
    Read-only: the same mapping is given to every caller (it is cached)."""
    words: dict[str, str] = {}
    for original in (text or "").replace("-", " ").split():
        plain = normalise(original).split()
        for keyed in tokens(original):
            if keyed not in plain or not original.isascii():
                words.setdefault(keyed, original)
    joined = normalise(text).split()
    if len(joined) > 1 and not (text or "").isascii():
        words.setdefault("".join(joined), text.strip())
    return MappingProxyType(words)


@lru_cache(maxsize=100_000)
def _without_vowel_signs(text: str) -> bool:
    """Written in a script whose transliteration leaves out most vowels (Arabic, Hebrew, and the
    Indian scripts' inherent vowel): "محمد" -> "mhmd", "রহমান" -> "rhman"."""
    for ch in text or "":
        if ch.isalpha() and not ch.isascii():
            name = unicodedata.name(ch, "")
            return name.startswith(
                ("ARABIC", "HEBREW", "BENGALI", "DEVANAGARI", "GURMUKHI", "GUJARATI", "SYRIAC")
            )
    return False


# Spellings that the romanisation systems and keyboards in use write differently for the same
# sounds, folded to one form before names are compared: Cyrillic names romanised as Yuliya,
# Yulia, Iuliia or Julia; Aleksandr or Alexander; German Müller typed Mueller; Mac and Mc;
# Sarah and Sara. Applied in order to a lower-case, transliterated word.
_FOLDS: tuple[tuple[re.Pattern, str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^mac(?=[^aeiouy])(?=.{3})", "mc"),  # MacCarthy, McCarthy
        (r"^m(?=[^aeiouyc])(?=.{3})", "mc"),  # M'Grath, McGrath
        (r"^m(?=c)", "m"),
        (r"x", "ks"),  # Alexander, Aleksander
        (r"^ch(?=r)", "h"),  # Greek Christos, Hristos
        (r"kh", "h"),  # Khadija, Hadija; Mikhail, Mihail
        (r"ph", "f"),
        (r"ck", "k"),
        (r"dj", "d"),  # Đorđe, typed Djordje or Dorde
        (r"w", "v"),  # Wladimir, Vladimir
        (r"(?<=[aeiouy])h$", ""),  # Sarah, Sara; Aishah, Aisha
        (r"ue|ou|oy(?=[^aeiou])", "u"),  # Müller, Mueller; Papadopoulos, Papadopoylos
        (r"oe", "o"),
        (r"ae", "a"),
        (r"(?<=[aeiou])j(?=[^aeiou])", "i"),  # Mihajlo, Mihailo
        (r"^[yi](?=[aeiou])", "j"),  # Yulia, Iuliia, Julia
        (r"^je(?=[^aeiou])", "e"),  # Yevgeniy, Evgeny
        (r"y", "i"),  # Dmitriy, Dmitri; Natalya, Natalia
        (r"(.)\1+", r"\1"),  # Iuliia, Yulia; Mohammed, Mohamed
    )
)


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """One spelling for the spellings of a sound that romanisations and keyboards vary:
    "yuliya", "iuliia" and "julia" all give "iulia"; "mueller" and "muller" give "muler"."""
    for pattern, replacement in _FOLDS:
        word = pattern.sub(replacement, word)
    return word


_group_names()


# Bengali and Arabic letters written with an h in Latin letters, and the single letter an
# English spelling uses for them ("Phatema", Fatema; "Tanbhir", Tanvir; "Khatun", Katun).
_ASPIRATED = (
    ("ph", "f"),
    ("bh", "v"),
    ("kh", "k"),
    ("gh", "g"),
    ("th", "t"),
    ("dh", "d"),
    ("sh", "s"),
    ("ch", "c"),
    ("jh", "j"),
    ("q", "k"),
)


@lru_cache(maxsize=100_000)
def consonants(word: str) -> str:
    """The word's consonants in order, doubled letters once: how a name written in Arabic or
    Bengali script reads in Latin letters, where w and y also stand for vowels and a closing h
    for a closing a ("mohammed" and "mhmd" both give "mhmd"; "yusuf" and "ywsf" give "sf";
    "fatima" and "ftmh" give "ftm")."""
    for letters, consonant in _ASPIRATED:
        word = word.replace(letters, consonant)
    bare = re.sub(r"(?<=[^aeiouyw])h$", "", re.sub(r"[aeiouyw]", "", word))
    return re.sub(r"(.)\1+", r"\1", bare) or word


@lru_cache(maxsize=100_000)
def sound(word: str) -> str:
    """The phonetic code of one word (Metaphone of its folded spelling), or the word itself
    when it has none."""
    folded = fold(word)
    return jellyfish.metaphone(folded) or folded


@lru_cache(maxsize=100_000)
def bare_sound(word: str) -> str:
    """The sound of the word's consonants alone: what a name written without its vowels (in
    Arabic or Bengali script) is keyed by, and what a search adds to reach it."""
    return "c:" + consonants(word)


@lru_cache(maxsize=100_000)
def skeleton(word: str) -> str:
    """The word's consonants, sorted: the same whichever two letters were typed the wrong way
    round ("Ahmed" and "Amhed" both give "dhm")."""
    return "".join(sorted(set(fold(word)) - set("aeiouy"))) or word


@lru_cache(maxsize=100_000)
def forename_forms(word: str) -> tuple[str, ...]:
    """Every form under which a forename is indexed: its sound and its name groups."""
    forms = [sound(word)]
    forms += [f"g:{root}" for root in group_roots(word)]
    return tuple(dict.fromkeys(forms))


def group_roots(word: str) -> tuple[str, ...]:
    return _GROUPS_BY_NAME.get(fold(word), ())


def _pair_keys(
    forenames: list[str], surnames: list[str], *, voweless: bool = False, query: bool = False
) -> set[str]:
    """The keys of each forename with each surname. ``voweless``: the names were written in a
    script without vowels, so they are keyed by their consonants' sound; ``query``: the words
    were typed, so the consonant keys are added for such names to be reached."""
    keys: set[str] = set()
    for f in filter(None, forenames):
        forms = forename_forms(f)
        if voweless:
            forms = (bare_sound(f), *forms[1:])
        for s in surnames:
            if f == s or not s:
                continue
            s_sound = bare_sound(s) if voweless else sound(s)
            for form in forms:
                keys.add(f"fs:{form}:{s_sound}")
                keys.add(f"fp:{form}:{s[:2]}")
                keys.add(f"fk:{form}:{skeleton(s)}")
            keys.add(f"is:{f[0]}:{s_sound}")
            if query:
                keys.add(f"fs:{bare_sound(f)}:{bare_sound(s)}")
    return keys


def child_keys(forenames: str, surname: str, other_names: str = "") -> list[str]:
    """The search keys stored on a child's record."""
    given = tokens(forenames)
    family = tokens(surname)
    other = tokens(other_names)
    # Other names may be forenames or surnames ("known as Jay", "formerly Smith").
    all_given = given + [w for w in other if w not in given]
    all_family = family + [w for w in other if w not in family]
    voweless = _without_vowel_signs(f"{forenames} {surname} {other_names}")
    keys = _pair_keys(all_given, all_family, voweless=voweless)
    single = bare_sound if voweless else sound
    keys.update(f"s:{single(s)}" for s in all_family)
    keys.update(f"f:{form}" for f in all_given for form in forename_forms(f))
    if voweless:
        keys.update(f"f:{bare_sound(f)}" for f in all_given)
    return sorted({key[:KEY_LENGTH] for key in keys})


def query_keys(words: list[str]) -> tuple[set[str], set[str]]:
    """Keys for what was typed: (pair keys, single-word keys).

    With two or more words any word may be the forename and any other the surname, which finds
    swapped names and takes middle names in its stride.
    """
    if len(words) >= 2:
        pairs: set[str] = set()
        for i, first in enumerate(words):
            for j, last in enumerate(words):
                if i != j:
                    pairs |= _pair_keys([first], [last], query=True)
        return {key[:KEY_LENGTH] for key in pairs}, set()
    if len(words) == 1:
        return set(), word_keys(words)
    return set(), set()


def word_keys(words: list[str]) -> set[str]:
    """The single-word keys of each word typed, as a surname and as a forename: for one word
    typed, and to reach a child by either name alone when the pair keys find too few (a
    nickname made of any part of the name, a surname spelt another way)."""
    keys: set[str] = set()
    for word in words:
        keys |= {f"s:{sound(word)}", f"s:{bare_sound(word)}", f"f:{bare_sound(word)}"}
        keys |= {f"f:{form}" for form in forename_forms(word)}
    return {key[:KEY_LENGTH] for key in keys}


# --- ranking ------------------------------------------------------------------------------

# A word scoring this or more is the same name or a spelling of it (another form, another
# romanisation, the same sound); below it, a typo or a different name. A strong match is one with
# both the forename and the surname at this level: the search results say so.
SPELLING_OF_THE_NAME = 90.0


class NameScore(NamedTuple):
    score: float
    reasons: list[str]
    strong: bool = False


# Endings that turn one name into another sharing its stem: a brother's name and a sister's
# (Daniel, Daniela; Alexander, Alexandra; Kuznetsov, Kuznetsova; Kowalski, Kowalska). Pairs of
# what follows the shared stem, after folding.
_OTHER_NAME_ENDINGS = frozenset(
    frozenset(pair)
    for pair in (
        ("", "a"),
        ("", "ia"),
        ("", "ina"),
        ("", "ine"),
        ("", "la"),
        ("", "ela"),
        ("", "ete"),
        ("", "ita"),
        ("er", "ra"),
        ("o", "a"),
        ("us", "a"),
        ("i", "a"),
        ("ei", "aia"),
        ("oi", "aia"),
        ("ian", "ina"),
        ("in", "ina"),
    )
)


def another_name(typed: str, stored: str) -> bool:
    """Whether two spellings are different names sharing a stem rather than one name spelt two
    ways: the endings that make a sister's name from a brother's, or different endings after a
    long shared beginning (Christopher and Christina)."""
    a, b = fold(typed), fold(stored)
    if a == b:
        return False
    shared = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        shared += 1
    if shared < 3:
        return False
    tail_a, tail_b = a[shared:], b[shared:]
    if frozenset((tail_a, tail_b)) in _OTHER_NAME_ENDINGS:
        return True
    # Christopher, Christina: both go on for two letters or more, and differently.
    return (
        shared >= 4
        and min(len(tail_a), len(tail_b)) >= 2
        and fuzz.ratio(tail_a, tail_b) < 50
        and skeleton(tail_a) != skeleton(tail_b)
    )


@lru_cache(maxsize=200_000)
def _word_similarity(
    typed: str, stored: str, *, forename: bool, voweless: bool = False
) -> tuple[float, str]:
    """How alike two words are (0-100) and, when not identical, why they matched.

    Only the same word, another form of the name and another spelling of it (folded alike)
    reach :data:`SPELLING_OF_THE_NAME`; a shared sound, a typo or a part of the name stays
    below it, since a brother's and a sister's names, or two surnames a vowel apart, sound
    alike too.
    """
    if typed == stored:
        return 100.0, ""
    if forename:
        shared = set(group_roots(typed)) & set(group_roots(stored))
        if shared:
            return 95.0, f"{stored.title()} is another form of {typed.title()}"
    if fold(typed) == fold(stored):
        alike = "sounds like" if sound(typed) == sound(stored) else "is another spelling of"
        return 94.0, f"{stored.title()} {alike} {typed.title()}"
    if voweless and consonants(typed) == consonants(stored):
        return 89.0, ""  # the reason is the name as written
    if another_name(typed, stored):
        return 55.0, ""
    ratio = min(fuzz.ratio(fold(typed), fold(stored)), 89.0)
    # Metaphone drops vowels, so "Jane" sounds like "John": a shared sound only counts when
    # the spellings are close too.
    if (
        sound(typed) == sound(stored)
        and ratio >= 70
        and jellyfish.jaro_winkler_similarity(typed, stored) >= 0.8
    ):
        return max(85.0, ratio), f"{stored.title()} sounds like {typed.title()}"
    if len(typed) >= 3 and stored.startswith(typed):
        return 72.0, f"{stored.title()} begins with {typed.title()}"
    if len(typed) >= 4 and typed in stored:
        # Yoruba and Igbo names are shortened to any of their parts: Tobi, Oluwatobiloba.
        return 72.0, f"{stored.title()} contains {typed.title()}"
    if min(len(typed), len(stored)) <= 4 and skeleton(typed) != skeleton(stored):
        # One letter is a different name when there are only three or four (Ali, Alim).
        return min(ratio, 55.0), ""
    if ratio >= 70:
        return ratio, f"{stored.title()} is spelt like {typed.title()}"
    return ratio, ""


def _best(
    typed: list[str], stored: list[str], *, forename: bool, voweless: bool = False
) -> tuple[float, str, str]:
    best = (0.0, "", "")
    for t in typed:
        for s in stored:
            score, why = _word_similarity(t, s, forename=forename, voweless=voweless)
            if score > best[0]:
                best = (score, why, s)
    return best


def score_names(
    typed_words: list[str], forenames: str, surname: str, other_names: str = ""
) -> NameScore:
    """Score a candidate's names against what was typed, trying every split of the words
    into forename and surname (so swapped names are found), and say why. One word typed is
    never a strong match."""
    given, family, other = tokens(forenames), tokens(surname), tokens(other_names)
    typed_words = [w for w in dict.fromkeys(typed_words) if w][:MAX_WORDS]
    if not typed_words:
        return NameScore(0.0, [])
    voweless = _without_vowel_signs(f"{forenames} {surname} {other_names}")
    as_written = {**written(other_names), **written(surname), **written(forenames)}

    def with_writing(reasons: list[str], *stored_words: str) -> list[str]:
        shown = [as_written[w] for w in stored_words if w in as_written]
        return [*reasons, *(f"written {w}" for w in dict.fromkeys(shown))]

    if len(typed_words) == 1:
        word = typed_words[0]
        f_score, f_why, f_word = _best([word], given + other, forename=True, voweless=voweless)
        s_score, s_why, s_word = _best([word], family + other, forename=False, voweless=voweless)
        if s_score >= f_score:
            return NameScore(s_score, with_writing([s_why] if s_why else ["same surname"], s_word))
        return NameScore(f_score, with_writing([f_why] if f_why else ["same forename"], f_word))

    best_score, best_reasons, strong = 0.0, [], False
    everything = given + family + other
    # Each word typed, against every name the child has: a word typed that is none of them
    # (a middle name not recorded, or a different one) costs, and rules out a strong match.
    alike = {
        word: _best([word], everything, forename=True, voweless=voweless)[0] for word in typed_words
    }
    for i, first in enumerate(typed_words):
        for j, last in enumerate(typed_words):
            if i == j:
                continue
            typed_reversed = i > j
            rest = [alike[w] for k, w in enumerate(typed_words) if k not in (i, j)]
            for g_pool, f_pool, pools_swapped in (
                (given, family, False),
                (given + other, family + other, False),
                (family, given, True),
            ):
                f_score, f_why, f_word = _best([first], g_pool, forename=True, voweless=voweless)
                s_score, s_why, s_word = _best([last], f_pool, forename=False, voweless=voweless)
                score = 0.45 * f_score + 0.55 * s_score
                strong = strong or min(f_score, s_score, *rest) >= SPELLING_OF_THE_NAME
                if min(f_score, s_score) < 70:
                    score -= 20  # both names must be alike, not just one of them
                score -= 15 * sum(1 for r in rest if r < 70)
                reasons = [why for why in (f_why, s_why) if why]
                if typed_reversed != pools_swapped:
                    score -= 2  # prefer the straightforward reading when it is as good
                    reasons.append("forename and surname swapped")
                if (
                    f_word in other
                    and f_word not in given
                    or s_word in other
                    and s_word not in family
                ):
                    score -= 3
                    reasons.append("other name")
                if score > best_score:
                    best_score, best_reasons = score, with_writing(reasons, f_word, s_word)
    return NameScore(best_score, best_reasons, strong)


# --- identifiers ------------------------------------------------------------------------------


def normalise_postcode(text: str) -> str:
    """ "se136lh" -> "SE13 6LH"; anything that is not a UK postcode is returned upper-cased."""
    compact = re.sub(r"\s+", "", (text or "").upper())
    match = POSTCODE_RE.match(compact)
    if not match:
        return (text or "").strip().upper()
    return f"{match.group(1)} {match.group(2)}"


def is_postcode(text: str) -> bool:
    return bool(POSTCODE_RE.match(re.sub(r"\s+", "", (text or "").upper())))


def postcode_district(postcode: str) -> str:
    """The outward code: "SE13 6LH" -> "SE13"; "" when it is not a full postcode."""
    normalised = normalise_postcode(postcode)
    return normalised.split(" ")[0] if is_postcode(normalised) else ""
