"""The geocoder on caller phrasings written by hand (tests/gis/data), not generated variants.

caller_phrasings.tsv holds what callers say about the demo city's own addresses, by class
(spoken numerals, floors and flats, shops, complaints after the address, English number words,
pinyin, sound-alike slips, traditional characters, corners without a joining word, landmarks)
and addresses outside the city, written together with the rules that read them;
caller_phrasings_blind.tsv holds more, written blind (before the parser was read) for premises
drawn at random, landmarks, corners and places outside the city (and caller_phrasings_blind2.tsv,
a second such set written after the first round of its fixes): 96.4% first and 98.2% in the
first five when written, before the failures there were fixed;
caller_phrasings_heldout.tsv is the honest measure: written blind after all the fixes, and never
used to change the geocoder (99.3% first and in the first five when written);
latin_phrasings.tsv holds Helsinki-style addresses against a few premises whose local fields
are Latin script with no English name, as a mapping for such a network would load them.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.gis.geos import LineString, Point
from django.core.management import call_command
from django.db import transaction
from pytest_django import DjangoDbBlocker

from gis.address import search_key
from gis.geocoding import Candidate, geocode, parse_address
from gis.models import Premise, Road
from gis.services import network_revision_bump

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
PREMISES = 20_000  # the city `make run` builds: 32 roads, 16 landmarks, seed 1


@dataclass(frozen=True)
class Phrasing:
    kind: str  # the "## class" heading it is written under
    text: str
    expected: str  # a premise's full_text, "landmark:<name>", "corner:<a>|<b>" or "none"


def _read(name: str) -> list[Phrasing]:
    found, kind = [], ""
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            kind = line[3:]
        elif line.strip() and not line.startswith("#"):
            text, expected = line.split("\t")
            found.append(Phrasing(kind, text, expected))
    return found


def _is(candidate: Candidate, expected: str) -> bool:
    if expected.startswith("corner:"):
        a, b = expected.removeprefix("corner:").split("|")
        return candidate.kind == "intersection" and a in candidate.label and b in candidate.label
    if expected.startswith("landmark:"):
        return candidate.kind == "landmark" and candidate.label == expected.removeprefix(
            "landmark:"
        )
    return candidate.kind == "premise" and candidate.label == expected


@dataclass(frozen=True)
class Answer:
    phrasing: Phrasing
    found: list[Candidate]

    def within(self, first: int) -> bool:
        if self.phrasing.expected == "none":
            return not any(c.method == "exact" or c.score >= 1.0 for c in self.found)
        return any(_is(c, self.phrasing.expected) for c in self.found[:first])


def _misses(answers: list[Answer], *, within: int) -> str:
    return "\n".join(
        f"{a.phrasing.kind}: {a.phrasing.text!r} (is {a.phrasing.expected}) -> "
        f"{[(c.label, c.score, c.method) for c in a.found[:3]]}"
        for a in answers
        if not a.within(within)
    )


@pytest.fixture(scope="module")
def city(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """The demo city and a few Latin-script streets, rolled back when the module ends."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "make_demo_city",
            "--premises",
            str(PREMISES),
            "--no-progress",
            "--replace",
            stdout=StringIO(),
        )
        _latin_streets()
        network_revision_bump()
        yield
        transaction.set_rollback(True)


# Helsinki-style premises as a mapping loads them: local fields in Latin script, the letter in
# the house number or as the staircase, a range as one number; no English name.
_LATIN = [
    ("Paasivuorenkatu", "5", "", ""),
    ("Paasivuorenkatu", "5 B", "", ""),
    ("Mannerheimintie", "3-5", "", ""),
    ("Mannerheimintie", "12", "", ""),
    ("Hämeentie", "12", "A", "4"),
    ("Hämeentie", "12", "A", "5"),
    ("Hämeentie", "12", "B", "7"),
    ("Fredrikinkatu", "20b", "", ""),
    ("Fredrikinkatu", "22", "", ""),
    ("Itäkatu", "3", "", ""),
    ("Töölönkatu", "7 C", "", "12"),
]


def _latin_streets() -> None:
    west, south = 24.93, 60.16  # Helsinki, far from the demo city
    for i, road in enumerate(dict.fromkeys(r for r, *_ in _LATIN)):
        y = south + i * 0.002
        Road.objects.create(
            asset_id=f"FI-R{i}", name=road, geom=LineString((west, y), (west + 0.01, y), srid=4326)
        )
    for i, (road, number, staircase, flat) in enumerate(_LATIN):
        text = " ".join(p for p in (road, number, staircase, flat) if p)
        Premise.objects.create(
            asset_id=f"FI-P{i}",
            geom=Point(west + i * 0.0005, south, srid=4326),
            road_name=road,
            house_number=number,
            building=staircase,
            room=flat,
            full_text=text,
            search_key=search_key(text),
        )


@pytest.fixture(scope="module")
def answers(city: None, django_db_blocker: DjangoDbBlocker) -> list[Answer]:
    with django_db_blocker.unblock():
        phrasings = _read("caller_phrasings.tsv")
        premises = {p.expected for p in phrasings if ":" not in p.expected and p.expected != "none"}
        assert (
            set(Premise.objects.filter(full_text__in=premises).values_list("full_text", flat=True))
            == premises
        )
        return [Answer(p, geocode(p.text)) for p in phrasings]


@pytest.fixture(scope="module")
def blind_answers(city: None, django_db_blocker: DjangoDbBlocker) -> list[Answer]:
    with django_db_blocker.unblock():
        phrasings = (
            _read("caller_phrasings_blind.tsv")
            + _read("caller_phrasings_blind2.tsv")
            + _read("caller_phrasings_heldout.tsv")
        )
        premises = {p.expected for p in phrasings if ":" not in p.expected and p.expected != "none"}
        assert Premise.objects.filter(full_text__in=premises).count() == len(premises)
        return [Answer(p, geocode(p.text)) for p in phrasings]


@pytest.fixture(scope="module")
def latin_answers(city: None, django_db_blocker: DjangoDbBlocker) -> list[Answer]:
    with django_db_blocker.unblock():
        return [Answer(p, geocode(p.text)) for p in _read("latin_phrasings.tsv")]


# ---------------------------------------------------------------------------- the whole set


def test_the_hand_written_set_covers_every_class_with_enough_lines(answers: list[Answer]) -> None:
    kinds = {a.phrasing.kind for a in answers}
    assert len(answers) >= 250
    assert len(kinds) >= 15
    assert sum(a.phrasing.expected == "none" for a in answers) >= 20


def test_the_right_place_comes_first_for_95_percent_of_caller_phrasings(
    answers: list[Answer],
) -> None:
    first = sum(a.within(1) for a in answers) / len(answers)
    assert first >= 0.95, _misses(answers, within=1)


def test_the_right_place_is_in_the_first_five_for_99_percent_of_caller_phrasings(
    answers: list[Answer],
) -> None:
    top5 = sum(a.within(5) for a in answers) / len(answers)
    assert top5 >= 0.99, _misses(answers, within=5)


def test_nothing_outside_the_city_is_an_exact_answer(answers: list[Answer]) -> None:
    outside = [a for a in answers if a.phrasing.expected == "none"]
    assert all(a.within(1) for a in outside), _misses(outside, within=1)


# ---------------------------------------------------------------------------- the blind set
# Written before the parser was read, for premises drawn at random: the honest measure.


def test_the_blind_set_covers_premises_landmarks_corners_and_places_outside(
    blind_answers: list[Answer],
) -> None:
    expected = [a.phrasing.expected for a in blind_answers]
    assert len({e for e in expected if ":" not in e and e != "none"}) >= 120
    assert sum(e.startswith("landmark:") for e in expected) >= 15
    assert sum(e.startswith("corner:") for e in expected) >= 12
    assert expected.count("none") >= 25


def test_the_right_place_comes_first_for_95_percent_of_the_blind_set(
    blind_answers: list[Answer],
) -> None:
    first = sum(a.within(1) for a in blind_answers) / len(blind_answers)
    assert first >= 0.95, _misses(blind_answers, within=1)


def test_the_right_place_is_in_the_first_five_for_99_percent_of_the_blind_set(
    blind_answers: list[Answer],
) -> None:
    top5 = sum(a.within(5) for a in blind_answers) / len(blind_answers)
    assert top5 >= 0.99, _misses(blind_answers, within=5)


def test_nothing_outside_the_city_in_the_blind_set_is_an_exact_answer(
    blind_answers: list[Answer],
) -> None:
    outside = [a for a in blind_answers if a.phrasing.expected == "none"]
    assert all(a.within(1) for a in outside), _misses(outside, within=1)


def test_latin_script_addresses_match_the_local_name_fields(latin_answers: list[Answer]) -> None:
    first = sum(a.within(1) for a in latin_answers) / len(latin_answers)
    assert first >= 0.95, _misses(latin_answers, within=1)


def test_an_answer_is_exact_only_when_every_part_said_matches(
    latin_answers: list[Answer],
) -> None:
    for a in latin_answers:
        exact = [c for c in a.found if c.method == "exact"]
        assert all(c.score == 1.0 and _is(c, a.phrasing.expected) for c in exact), a
    # A letter said that the premise lacks, or a staircase left out, is never exact.
    said_letter = geocode("Paasivuorenkatu 22 B")
    assert not [c for c in said_letter if c.method == "exact"]
    left_out = geocode("Hämeentie 12")
    assert left_out
    assert all(c.score < 1.0 for c in left_out)
    ranged = geocode("Mannerheimintie 12-14")
    assert all(c.method != "exact" for c in ranged)


# ---------------------------------------------------------------------------- by class


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("解放道幺九号三号楼两单元五洞幺", ("19", "3", "2", "501")),
        ("卫津道四号二号楼一单元七零二", ("4", "2", "1", "702")),
        ("琼州道十三号2号楼1单元五01", ("13", "2", "1", "501")),
        ("泰山道一百零七号一号楼二单元五零二", ("107", "1", "2", "502")),
        ("解放道19号3号楼2单元5楼01", ("19", "3", "2", "501")),
        ("解放道19号3号楼2单元五楼一号", ("19", "3", "2", "501")),
        ("马场道4号3号楼2门九楼一户", ("4", "3", "2", "901")),
        ("解放道19号3#2单元#501", ("19", "3", "2", "501")),
        ("#702, Bldg 2, Unit 1, 4 Weijin Avenue", ("4", "2", "1", "702")),
        ("building three, unit two, room five oh one, number nineteen", ("19", "3", "2", "501")),
        (
            "thirteen qiongzhou avenue building two unit one apartment five hundred one",
            ("13", "2", "1", "501"),
        ),
        ("jiefangdao19hao3haolou2danyuan501", ("19", "3", "2", "501")),
        ("琼州道13号2号楼1单元501 楼道里一股煤气味", ("13", "2", "1", "501")),
        ("长江二道5号", ("5", "", "", "")),  # an ordinal in a road name stays a name
        ("洞庭道5号", ("5", "", "", "")),  # 洞 is zero only among numerals
        ("3号楼1单元202 长江道7号", ("7", "3", "1", "202")),  # the flat before the road
        ("长江道7号3号楼2单元501楼下", ("7", "3", "2", "501")),  # 楼下 is where, not a mark
        ("长江道7号3号楼2单元501 电话13812345678", ("7", "3", "2", "501")),
        ("长江道7号3号楼2单元501 座机022-23456789", ("7", "3", "2", "501")),
        ("长江道七号三号楼二单元五零一 噢不对 是五零二", ("7", "3", "2", "502")),
        ("长江道8号3号楼2单元501 说错了 是7号", ("7", "3", "2", "501")),
        ("长江道7号3号楼2单元501 不是很大的味", ("7", "3", "2", "501")),
        ("长江道18号3号楼1门5-2", ("18", "3", "1", "502")),  # the flat as floor and door
    ],
)
def test_numbers_are_read_in_any_position_and_style(
    text: str, parts: tuple[str, str, str, str]
) -> None:
    p = parse_address(text)
    assert (p.house_number, p.building, p.unit, p.room) == parts


def test_western_forms_are_parsed_not_read_as_flats() -> None:
    p = parse_address("Mannerheimintie 3-5, 00100 Helsinki")
    assert (p.house_number, p.house_range, p.postcode, p.room) == ("3-5", "3-5", "00100", "")
    p = parse_address("5 B Paasivuorenkatu")
    assert (p.house_number, p.house_letter, p.latin_runs) == ("5", "b", ("paasivuorenkatu",))
    p = parse_address("Hämeentie 12 A 4")
    assert (p.house_number, p.house_letter, p.room, p.latin_runs) == (
        "12",
        "a",
        "4",
        ("hameentie",),
    )


def test_a_shop_said_as_the_ground_floor_is_found_but_not_as_building_one(city: None) -> None:
    shop = Premise.objects.get(full_text="红桥区友谊道12号")
    found = geocode("友谊道12号一楼商铺")
    assert (found[0].id, found[0].method) == (shop.id, "structured")


def test_a_sound_alike_road_ranks_before_a_wrong_character(city: None) -> None:
    found = geocode("马厂道4号3号楼2单元901")  # 厂 sounds as 场
    assert found[0].label == "红桥区马场道4号3号楼2单元901"
    assert found[0].score > geocode("马x道4号3号楼2单元901")[0].score
    assert found[0].method != "exact"


def test_a_corner_said_without_a_joining_word(city: None) -> None:
    for text in ("卫津道琼州路口", "琼州路卫津道十字路口", "weijindao qiongzhoulu"):
        found = geocode(text)
        assert found, text
        assert found[0].kind == "intersection", text
        assert {"卫津道", "琼州路"} <= set(
            found[0].label.replace("与", " ").replace("交口", "").split()
        )


@pytest.mark.parametrize(
    ("text", "landmark"),
    [
        ("枫林路老年公寓", "枫林路养老院"),
        ("围堤路商城", "围堤路购物中心"),
        ("枫林路托儿所", "枫林路幼儿园"),
        ("Weidi Road nursing home", "围堤路养老院"),
        ("Fenglin Road mall", "枫林路购物中心"),
        ("Weidi Road subway station", "围堤路地铁站"),
    ],
)
def test_a_landmark_called_by_another_word_for_its_kind(
    city: None, text: str, landmark: str
) -> None:
    found = geocode(text)
    assert (found[0].kind, found[0].label) == ("landmark", landmark)


def test_a_kind_word_does_not_invent_a_landmark_on_a_road_the_city_lacks(city: None) -> None:
    for text in ("中山路商场", "鞍山道养老院", "Binjiang Avenue mall"):
        assert not [c for c in geocode(text) if c.kind == "landmark"], text


def test_what_follows_a_corner_word_is_not_part_of_the_roads(city: None) -> None:
    for text in (
        "洞庭道枫林路交叉口往东一点",
        "洞庭道和枫林路交叉口那儿有股煤气味",
        "Changjiang Ave and Dongting Rd, by the bus stop",
    ):
        found = geocode(text)
        assert found, text
        assert found[0].kind == "intersection", text


def test_a_distance_from_the_place_is_not_an_address_number(city: None) -> None:
    assert geocode("友谊路医院往南100米")[0].label == "友谊路医院"
    assert geocode("洞庭道和枫林路交叉口往北五十米")[0].kind == "intersection"


def test_a_phone_number_after_the_address_leaves_it_exact(city: None) -> None:
    flat = Premise.objects.exclude(building="").order_by("id").first()
    assert flat is not None
    address = f"{flat.road_name}{flat.house_number}号{flat.building}号楼{flat.unit}单元{flat.room}"
    for said in ("我姓王 电话13812345678", "联系电话022-23456789"):
        found = geocode(f"{address} {said}")
        assert (found[0].label, found[0].method) == (flat.full_text, "exact"), said


def test_a_road_said_with_the_other_road_word_finds_the_whole_flat_first(city: None) -> None:
    for text in (
        "长江路18号3号楼1单元502",
        "No 18 changjiang rd bldg 3 unit 1 rm 502",
        "changjianglu 18hao 3haolou 1danyuan 502",
    ):
        found = geocode(text)
        assert (found[0].label, found[0].method) == ("和平区长江道18号3号楼1单元502", "structured")
        assert found[1].kind == "road", text


def test_a_word_before_an_english_road_name_is_passed_over_but_never_exact(city: None) -> None:
    found = geocode("Hexi Zhujiang Ave 21 4-1-102")
    assert found[0].label == "河西区珠江道21号4号楼1单元102"
    assert found[0].method != "exact"


def test_pinyin_spelt_the_english_way_is_one_slip(city: None) -> None:
    found = geocode("Room 402 Unit 2 Building 2 No 24 Dagoo Avenue")
    assert (found[0].label, found[0].method) == ("河东区大沽道24号2号楼2单元402", "structured")
    assert found[0].score < 1.0
