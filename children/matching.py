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

import jellyfish
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
)

_GROUPS_BY_NAME: dict[str, tuple[str, ...]] = {}
for _group in NAME_GROUPS:
    for _name in _group:
        _GROUPS_BY_NAME[_name] = (*_GROUPS_BY_NAME.get(_name, ()), _group[0])

POSTCODE_RE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_NON_LETTERS = re.compile(r"[^a-z]+")


def normalise(text: str) -> str:
    """Lower case, accents removed, apostrophes dropped, everything else a single space.

    "Zoë O'Connor-Brown" -> "zoe oconnor brown".
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    plain = plain.replace("'", "").replace("’", "").replace("ß", "ss")
    return _NON_LETTERS.sub(" ", plain).strip()


def tokens(text: str) -> list[str]:
    """The words of a name, with a double-barrelled or spaced surname also kept whole."""
    words = normalise(text).split()
    if len(words) > 1:
        words.append("".join(words))
    # Order kept, duplicates dropped.
    return list(dict.fromkeys(words))


@lru_cache(maxsize=50_000)
def sound(word: str) -> str:
    """The phonetic code of one word (Metaphone), or the word itself when it has none."""
    return jellyfish.metaphone(word) or word


@lru_cache(maxsize=50_000)
def skeleton(word: str) -> str:
    """The word's consonants, sorted: the same whichever two letters were typed the wrong way
    round ("Ahmed" and "Amhed" both give "dhm")."""
    return "".join(sorted(set(word) - set("aeiouy"))) or word


@lru_cache(maxsize=50_000)
def forename_forms(word: str) -> tuple[str, ...]:
    """Every form under which a forename is indexed: its sound and its name groups."""
    forms = [sound(word)]
    forms += [f"g:{root}" for root in _GROUPS_BY_NAME.get(word, ())]
    return tuple(dict.fromkeys(forms))


def group_roots(word: str) -> tuple[str, ...]:
    return _GROUPS_BY_NAME.get(word, ())


def _pair_keys(forenames: list[str], surnames: list[str]) -> set[str]:
    keys: set[str] = set()
    for f in forenames:
        forms = forename_forms(f)
        for s in surnames:
            if f == s:
                continue
            s_sound = sound(s)
            for form in forms:
                keys.add(f"fs:{form}:{s_sound}")
                keys.add(f"fp:{form}:{s[:2]}")
                keys.add(f"fk:{form}:{skeleton(s)}")
            keys.add(f"is:{f[0]}:{s_sound}")
    return keys


def child_keys(forenames: str, surname: str, other_names: str = "") -> list[str]:
    """The search keys stored on a child's record."""
    given = tokens(forenames)
    family = tokens(surname)
    other = tokens(other_names)
    # Other names may be forenames or surnames ("known as Jay", "formerly Smith").
    all_given = given + [w for w in other if w not in given]
    all_family = family + [w for w in other if w not in family]
    keys = _pair_keys(all_given, all_family)
    keys.update(f"s:{sound(s)}" for s in all_family)
    keys.update(f"f:{form}" for f in all_given for form in forename_forms(f))
    return sorted(keys)


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
                    pairs |= _pair_keys([first], [last])
        return pairs, set()
    if len(words) == 1:
        word = words[0]
        return set(), {f"s:{sound(word)}", *(f"f:{form}" for form in forename_forms(word))}
    return set(), set()


# --- ranking ------------------------------------------------------------------------------


def _word_similarity(typed: str, stored: str, *, forename: bool) -> tuple[float, str]:
    """How alike two words are (0-100) and, when not identical, why they matched."""
    if typed == stored:
        return 100.0, ""
    if forename:
        shared = set(group_roots(typed)) & set(group_roots(stored))
        if shared:
            return 95.0, f"{stored.title()} is another form of {typed.title()}"
    ratio = fuzz.ratio(typed, stored)
    # Metaphone drops vowels, so "Jane" sounds like "John": a shared sound only counts when
    # the spellings are close too.
    if sound(typed) == sound(stored) and jellyfish.jaro_winkler_similarity(typed, stored) >= 0.8:
        return max(90.0, ratio), f"{stored.title()} sounds like {typed.title()}"
    if ratio >= 70:
        return ratio, f"{stored.title()} is spelt like {typed.title()}"
    if len(typed) >= 3 and stored.startswith(typed):
        return 80.0, f"{stored.title()} begins with {typed.title()}"
    return ratio, ""


def _best(typed: list[str], stored: list[str], *, forename: bool) -> tuple[float, str, str]:
    best = (0.0, "", "")
    for t in typed:
        for s in stored:
            score, why = _word_similarity(t, s, forename=forename)
            if score > best[0]:
                best = (score, why, s)
    return best


def score_names(
    typed_words: list[str], forenames: str, surname: str, other_names: str = ""
) -> tuple[float, list[str]]:
    """Score a candidate's names against what was typed, trying every split of the words
    into forename and surname (so swapped names are found), and say why."""
    given, family, other = tokens(forenames), tokens(surname), tokens(other_names)
    if not typed_words:
        return 0.0, []
    if len(typed_words) == 1:
        word = typed_words[0]
        f_score, f_why, _ = _best([word], given + other, forename=True)
        s_score, s_why, _ = _best([word], family + other, forename=False)
        if s_score >= f_score:
            return s_score, [s_why] if s_why else ["same surname"]
        return f_score, [f_why] if f_why else ["same forename"]

    best_score, best_reasons = 0.0, []
    for i, first in enumerate(typed_words):
        for j, last in enumerate(typed_words):
            if i == j:
                continue
            typed_reversed = i > j
            for g_pool, f_pool, pools_swapped in (
                (given, family, False),
                (given + other, family + other, False),
                (family, given, True),
            ):
                f_score, f_why, f_word = _best([first], g_pool, forename=True)
                s_score, s_why, s_word = _best([last], f_pool, forename=False)
                score = 0.45 * f_score + 0.55 * s_score
                if min(f_score, s_score) < 70:
                    score -= 20  # both names must be alike, not just one of them
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
                    best_score, best_reasons = score, reasons
    return best_score, best_reasons


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
