"""Name matching: the cases a practitioner relies on, and the ones that must not match."""

from __future__ import annotations

import pytest

from children import matching
from children.search import SHOW_THRESHOLD, parse


def found(typed: str, forenames: str, surname: str, other_names: str = "") -> bool:
    """Would a search for ``typed`` reach this child through the index and be shown?"""
    words = parse(typed).words
    pairs, singles = matching.query_keys(words)
    stored = set(matching.child_keys(forenames, surname, other_names))
    if not (stored & (pairs | singles)):
        return False
    score, _, _ = matching.score_names(words, forenames, surname, other_names)
    return score >= SHOW_THRESHOLD


@pytest.mark.parametrize(
    ("typed", "forenames", "surname", "other_names"),
    [
        ("Jon Smith", "John", "Smith", ""),
        ("Johnny Smith", "John", "Smith", ""),
        ("John Smith", "Jonathan", "Smith", "Jon"),
        ("Mohammed Khan", "Muhammad", "Khan", ""),
        ("Mohamed Khan", "Muhammad", "Khan", ""),
        ("Aleksandra Nowak", "Alexandra", "Nowak", ""),
        ("Sasha Nowak", "Aleksandra", "Nowak", ""),
        ("Katie Brown", "Katherine", "Brown", ""),
        ("Siobhan Murphy", "Chevonne", "Murphy", ""),
        ("Zoe O'Connor", "Zoë", "OConnor", ""),
        ("Jon Smyth", "John", "Smith", ""),  # both spelt differently
        ("John Smtih", "John", "Smith", ""),  # a typo that changes the sound
        ("Jhon Smith", "John", "Smith", ""),  # a typo in the forename
        ("Smith John", "John", "Smith", ""),  # surname and forename swapped
        ("Amelia Smith", "Amelia", "Smith-Jones", ""),  # one half of a double-barrelled name
        ("Amelia Jones", "Amelia", "Smith-Jones", ""),
        ("Amelia Smithjones", "Amelia", "Smith Jones", ""),
        ("Jay Okafor", "Chukwuemeka", "Okafor", "Jay"),  # known by another name
        ("Emeka Okafor", "Chukwuemeka", "Okafor", ""),
        ("Tobi Adeyemi", "Oluwatobi", "Adeyemi", ""),
        ("Ann Marie Lee", "Anne-Marie", "Lee", ""),
    ],
)
def test_names_a_practitioner_would_expect_to_find(typed, forenames, surname, other_names):
    assert found(typed, forenames, surname, other_names)


@pytest.mark.parametrize(
    ("typed", "forenames", "surname"),
    [
        ("John Smith", "Mary", "Jones"),
        ("John Smith", "Jane", "Smith"),  # same surname, a different child
        ("Jon Smith", "Jane", "Smythe"),
        ("Mohammed Khan", "Mohammed", "Patel"),
        ("Aleksandra Nowak", "Alexander", "Green"),
        ("Katie Brown", "Kyle", "Brown"),
    ],
)
def test_names_that_must_not_match(typed, forenames, surname):
    assert not found(typed, forenames, surname)


def test_reasons_say_why():
    _, reasons, _ = matching.score_names(["jon", "smyth"], "John", "Smith")
    assert any("another form of Jon" in r for r in reasons)
    assert any("sounds like Smyth" in r for r in reasons)
    _, swapped, _ = matching.score_names(["smith", "john"], "John", "Smith")
    assert "forename and surname swapped" in swapped
    _, other, _ = matching.score_names(["jay", "okafor"], "Chukwuemeka", "Okafor", "Jay")
    assert "other name" in other


def test_exact_name_scores_higher_than_a_variant():
    exact, _, _ = matching.score_names(["john", "smith"], "John", "Smith")
    variant, _, _ = matching.score_names(["john", "smith"], "Jon", "Smyth")
    assert exact > variant >= SHOW_THRESHOLD


def test_normalise_strips_accents_and_punctuation():
    assert matching.normalise("Zoë O'Connor-Brown") == "zoe oconnor brown"
    assert matching.tokens("Smith-Jones") == ["smith", "jones", "smithjones"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("se136lh", "SE13 6LH"),
        ("SE13 6LH", "SE13 6LH"),
        ("w1a 1aa", "W1A 1AA"),
        ("ec1a1bb", "EC1A 1BB"),
    ],
)
def test_postcodes_are_normalised(typed, expected):
    assert matching.normalise_postcode(typed) == expected
    assert matching.postcode_district(typed) == expected.split()[0]


@pytest.mark.parametrize("bad", ["SE13", "123 456", "ABCDEFG", ""])
def test_not_postcodes(bad):
    assert not matching.is_postcode(bad)
    assert matching.postcode_district(bad) == ""


def test_the_search_box_understands_each_kind_of_input():
    q = parse("Jon Smith 03/04/2015 SE13 6LH")
    assert q.words == ["jon", "smith"]
    assert str(q.date_of_birth) == "2015-04-03"
    assert q.postcode == "SE13 6LH"
    assert parse("943 476 5919").nhs_number == "9434765919"
    assert parse("A123456789012").upn == "A123456789012"
    assert parse("se13 6lh").postcode == "SE13 6LH" and parse("se13 6lh").words == []


def test_a_hidden_address_adds_nothing_to_the_score_and_gives_no_reason():
    import datetime as dt
    from types import SimpleNamespace

    from children.search import _rank

    def child(pk, postcode):
        return SimpleNamespace(
            pk=pk,
            forenames="Jon",
            surname="Smith",
            other_names="",
            date_of_birth=dt.date(2015, 4, 3),
            postcode=postcode,
            postcode_district=matching.postcode_district(postcode),
        )

    query = parse("Johnny Smyth SE13 6LH")
    at_home, in_district, hidden_at_home = (
        child(1, "SE13 6LH"),
        child(2, "SE13 7QT"),
        child(3, "SE13 6LH"),
    )
    ranked = {m.child.pk: m for m in _rank([at_home, in_district, hidden_at_home], query, {3})}
    assert "same postcode" in ranked[1].reasons
    assert "same postcode district (SE13)" in ranked[2].reasons
    assert ranked[3].address_hidden
    assert not any("postcode" in reason for reason in ranked[3].reasons)
    assert ranked[3].score == _rank([hidden_at_home], parse("Johnny Smyth"))[0].score
    assert ranked[3].score < ranked[2].score < ranked[1].score


@pytest.mark.parametrize(
    ("typed", "forenames", "surname", "written_as"),
    [
        ("Lukasz Wisniewski", "Łukasz", "Wiśniewski", "Łukasz"),
        ("Sukru Yildiz", "Şükrü", "Yıldız", "Yıldız"),
        ("Jonas Mueller", "Jonas", "Müller", "Müller"),
        ("Soren Aero", "Søren", "Ærø", "Søren"),
        ("Petra Sharic", "Petra", "Šarić", "Šarić"),
        ("Nguyen Thi Huong", "Thị Hương", "Nguyễn", "Nguyễn"),
        ("Aleksandr Kuznetsov", "Александр", "Кузнецов", "Кузнецов"),
        ("Alexander Kuznetsov", "Александр", "Кузнецов", "Александр"),
        ("Yulia Smirnova", "Юлия", "Смирнова", "Юлия"),
        ("Giorgos Papadopoulos", "Γιώργος", "Παπαδόπουλος", "Παπαδόπουλος"),
        ("Xiaoming Wang", "小明", "王", "小明"),
        ("Xiao Ming Wang", "小明", "王", "王"),
        ("Mohammed Ali", "محمد", "علي", "محمد"),
        ("Cathal McGrath", "Cathal", "Mac Gráith", "Mac Gráith"),
    ],
)
def test_names_as_written_are_found_as_typed_and_the_reason_says_how_written(
    typed, forenames, surname, written_as
):
    assert found(typed, forenames, surname)
    _, reasons, _ = matching.score_names(parse(typed).words, forenames, surname)
    assert f"written {written_as}" in reasons


def test_romanisations_of_one_name_fold_alike_and_different_names_do_not():
    assert len({matching.fold(w) for w in ("yuliya", "iuliia", "julia", "yulia")}) == 1
    assert matching.fold("dmitriy") == matching.fold("dmitrii") == matching.fold("dmitri")
    assert matching.fold("maccarthy") == matching.fold("mccarthy")
    assert matching.fold("alexander") != matching.fold("alexandra")


@pytest.mark.parametrize(
    ("typed", "forenames", "surname"),
    [
        ("Alexandra Kuznetsova", "Александр", "Кузнецов"),  # his sister
        ("Daniela Smith", "Daniel", "Smith"),
        ("Christina Jones", "Christopher", "Jones"),
        ("Mohammed Alim", "Mohammed", "Ali"),
        ("Paul Wegner", "Paul", "Wagner"),
        ("Ka Yee Chan", "Ka Yan", "Chan"),  # a word typed that is not the child's
    ],
)
def test_a_different_name_sharing_a_long_beginning_is_never_a_strong_match(
    typed, forenames, surname
):
    assert not matching.score_names(parse(typed).words, forenames, surname).strong


def test_spellings_of_the_same_name_are_a_strong_match():
    for typed, forenames, surname in [
        ("Aleksandr Kuznetsov", "Александр", "Кузнецов"),
        ("Jon Smith", "John", "Smith"),
        ("Sean MacCarthy", "Seán", "McCarthy"),
    ]:
        assert matching.score_names(parse(typed).words, forenames, surname).strong


def test_a_surname_particle_alone_matches_nobody():
    # "Ní" begins many Irish surnames: typed with another surname it is not a match.
    score = matching.score_names(["saoirse", "ni", "dhonnabhain"], "Saoirse", "Ní Dhomhnaill")
    assert not score.strong
    assert "ni" not in matching.tokens("Ní Dhomhnaill")


@pytest.mark.parametrize(
    "name",
    ["الْ حسن", "الّ", "الـ", "ال-", "ال١", "x" * 50 + " " + "y" * 50, "\x00", "   ", "ـ"],
)
def test_odd_names_are_keyed_without_an_error_and_keys_fit_their_column(name):
    keys = matching.child_keys(name, name, name)
    assert all(0 < len(key) <= matching.KEY_LENGTH for key in keys)
    assert "" not in matching.tokens(name)
    matching.score_names(["hasan", "ali"], name, name, name)


def test_a_pasted_paragraph_counts_only_the_words_a_name_can_have():
    words = parse("小" * 120).words
    assert len(words) <= matching.MAX_WORDS
    assert len(matching.tokens("王" * 100)) <= 2 * matching.MAX_WORDS
    pairs, _ = matching.query_keys(parse("Jon Smith " * 40).words)
    assert pairs == matching.query_keys(["jon", "smith"])[0]
