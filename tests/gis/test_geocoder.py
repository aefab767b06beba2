"""The geocoder: addresses as callers write them, landmarks, corners, and back from a point."""

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from io import StringIO

import pytest
from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.core.management import call_command
from django.db import transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker

from demo.city.names import DISTRICTS as DEMO_DISTRICTS
from demo.city.names import PLACES
from gis.address import search_key
from gis.geocoding import Candidate, geocode, parse_address, reverse_geocode
from gis.geocoding.intersections import intersection_sides
from gis.geocoding.normalize import english_split
from gis.geocoding.variants import KINDS, KnownAddress, address_variant
from gis.models import Landmark, Premise, Road

pytestmark = pytest.mark.django_db

PREMISES_SAMPLED = 60  # x 12 kinds of variant = 720 texts
SEED = 20240611
DISTRICTS = frozenset({"河西区", "河北区", "和平区"})


@pytest.fixture(scope="module")
def city(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """One demo city for the whole module, inside a transaction rolled back at its end.

    Each test's own transaction nests inside this one (a savepoint), so tests stay isolated
    from each other and the city never reaches other modules.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command(
            "make_demo_city", "--premises", "3000", "--no-progress", "--replace", stdout=StringIO()
        )
        yield
        transaction.set_rollback(True)


# ---------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("河西区友谊路32号3号楼2单元501", ("河西区", "友谊路", "32", "3", "2", "501")),
        ("河西区友谊路３２号３号楼２单元５０１", ("河西区", "友谊路", "32", "3", "2", "501")),
        ("河西区友谊路32號3號樓2單元501", ("河西区", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3栋2门501室", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3幢2单元501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3#楼2单元501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3#2单元501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3座2单元501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3楼2单元501", ("", "友谊路", "32", "3", "2", "501")),  # 楼 before 单元
        ("友谊路32号5楼501", ("", "友谊路", "32", "", "", "501")),  # 5楼501: the 5th floor
        ("友谊路32号3号楼2单元5楼501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3号2单元501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3-2-501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32－3－2－501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32号3-501", ("", "友谊路", "32", "3", "", "501")),
        ("友谊路32 3号楼2单元501", ("", "友谊路", "32", "3", "2", "501")),
        ("友谊路32 3 2 501", ("", "友谊路", "32", "3", "2", "501")),
        ("河西区 友 谊 路 32 号 3 号楼 2 单元 501", ("河西区", "友谊路", "32", "3", "2", "501")),
        ("友谊路三十二号三号楼二单元五零一室", ("", "友谊路", "32", "3", "2", "501")),
        ("天津市河西区友谊路32号", ("河西区", "友谊路", "32", "", "", "")),
        ("河西友谊路32号", ("河西区", "友谊路", "32", "", "", "")),
        ("友谊路32号，河西区", ("河西区", "友谊路", "32", "", "", "")),
        ("我家在友谊大道32号", ("", "友谊大道", "32", "", "", "")),
        ("长江2道5号", ("", "长江二道", "5", "", "", "")),
        ("No.32 友谊路", ("", "友谊路", "32", "", "", "")),
        ("友谊路32号3号楼2单元501有煤气味", ("", "友谊路", "32", "3", "2", "501")),
    ],
)
def test_parser_reads_the_parts_of_a_local_address(
    text: str, expected: tuple[str, str, str, str, str, str]
) -> None:
    p = parse_address(text, districts=DISTRICTS)
    assert (p.district, p.road, p.house_number, p.building, p.unit, p.room) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Room 501, Unit 2, Building 3, No. 32 Youyi Road, Hexi District",
            ("hexi", "youyi", "road", "32", "3", "2", "501"),
        ),
        ("32 Youyi Rd bldg 3 unit 2 rm 501", ("", "youyi", "road", "32", "3", "2", "501")),
        (
            "No.32 youyi ave Block 3 Entrance 2 Flat 501",
            ("", "youyi", "avenue", "32", "3", "2", "501"),
        ),
        ("Apt 501, Blk 3, Unit 2, 32 Youyi Avenue", ("", "youyi", "avenue", "32", "3", "2", "501")),
        ("32 YOUYI RD 3-2-501", ("", "youyi", "road", "32", "3", "2", "501")),
        ("32 Youyi Raod", ("", "youyi", "road", "32", "", "", "")),
        ("32 Youyi Lu", ("", "youyi", "road", "32", "", "", "")),
        ("5 Changjiang 2nd Ave, 3rd floor", ("", "changjiang2nd", "avenue", "5", "", "", "")),
        ("No. 7 Xi'an Road, Heping District", ("heping", "xian", "road", "7", "", "", "")),
        ("32 Youyi", ("", "youyi", "", "32", "", "", "")),
    ],
)
def test_parser_reads_the_parts_of_an_english_address(text: str, expected: tuple[str, ...]) -> None:
    p = parse_address(text)
    parts = (p.district_en, p.road_en, p.road_en_suffix, p.house_number, p.building, p.unit, p.room)
    assert parts == expected


_STYLES = {
    "local": "{district}{road}{n}号{b}号楼{u}单元{room}",
    "abbreviated": "{road}{n}号{b}栋{u}门{room}室",
    "shorthand": "{road} {n}号{b}-{u}-{room}",
    "english": "Room {room}, Unit {u}, Building {b}, No. {n} {road_en} {word}, {district_en}",
    "loose": "{n} {road_en} {abbreviation} bldg {b} unit {u} rm {room}",
}


@settings(deadline=None)
@given(
    place=st.sampled_from(PLACES),
    district=st.sampled_from(DEMO_DISTRICTS),
    avenue=st.booleans(),
    numbers=st.tuples(st.integers(1, 1999), st.integers(1, 30), st.integers(1, 9)),
    room=st.tuples(st.integers(1, 33), st.integers(1, 4)),
    style=st.sampled_from(sorted(_STYLES)),
)
def test_any_address_in_any_style_parses_back_to_its_parts(
    place: tuple[str, str],
    district: tuple[str, str],
    avenue: bool,
    numbers: tuple[int, int, int],
    room: tuple[int, int],
    style: str,
) -> None:
    (n, b, u), flat = numbers, f"{room[0]}{room[1]:02d}"
    word = "Avenue" if avenue else "Road"
    text = _STYLES[style].format(
        district=district[0],
        road=place[0] + ("道" if avenue else "路"),
        road_en=place[1],
        district_en=district[1],
        word=word,
        abbreviation="Ave" if avenue else "Rd",
        n=n,
        b=b,
        u=u,
        room=flat,
    )
    p = parse_address(text)
    assert (p.house_number, p.building, p.unit, p.room) == (str(n), str(b), str(u), flat), text
    if style in ("english", "loose"):
        assert (p.road_en, p.road_en_suffix) == english_split(f"{place[1]} {word}"), text
    else:
        assert p.road == place[0] + ("道" if avenue else "路"), text


def test_a_district_written_short_may_be_the_start_of_a_road_name() -> None:
    p = parse_address("河北二道316号", districts=frozenset({"河北区"}))
    assert (p.district, p.road, p.road_unsplit, p.house_number) == (
        "河北区",
        "二道",
        "河北二道",
        "316",
    )
    assert parse_address("河北区河北二道316号", districts=frozenset({"河北区"})).road == "河北二道"


@pytest.mark.parametrize(
    ("text", "sides"),
    [
        ("友谊路与解放道交口", [("友谊路", "解放道")]),
        ("友谊路和解放道", [("友谊路", "解放道")]),
        # "路口" may end a name (解放道路) or be the corner's word: both readings are offered.
        ("友谊路、解放道路口", [("友谊路", "解放道"), ("友谊路", "解放道路")]),
        ("卫津道琼州路口", [("卫津道", "琼州"), ("卫津道", "琼州路")]),  # no joining word
        ("Weijin Ave Qiongzhou Rd", [("weijin ave", "qiongzhou rd")]),
        ("Youyi Road and Jiefang Avenue", [("youyi road", "jiefang avenue")]),
        ("corner of Youyi Rd & Jiefang Ave", [("youyi rd", "jiefang ave")]),
        ("呼和浩特道与友谊路", [("呼", "浩特道与友谊路"), ("呼和浩特道", "友谊路")]),
        ("友谊路32号与解放道", []),  # a number: an address, not a corner
    ],
)
def test_corner_texts_split_into_their_two_roads(text: str, sides: list[tuple[str, str]]) -> None:
    assert intersection_sides(text) == sides


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("河西区 友谊路３２號", "河西区友谊路32号"),
        ("河西区友谊路32号3栋2门501室", "河西区友谊路32号3号楼2单元501"),
        ("友谊路三十二号三号楼二单元", "友谊路32号3号楼2单元"),
        ("厦门道2号", "厦门道2号"),  # 门 in a name is not a unit
        ("长江二道5号", "长江二道5号"),  # nor an ordinal a number
    ],
)
def test_search_key_spells_address_words_one_way(text: str, key: str) -> None:
    assert search_key(text) == key


# ---------------------------------------------------------------------------- accuracy


@dataclass(frozen=True)
class Trial:
    kind: str
    text: str
    truth: KnownAddress
    found: list[Candidate]

    def within(self, first: int) -> bool:
        """The right premise is among the first `first` candidates."""
        ids = [c.id if c.kind == "premise" else None for c in self.found[:first]]
        return self.truth.id in ids


@pytest.fixture(scope="module")
def trials(city: None, django_db_blocker: DjangoDbBlocker) -> list[Trial]:
    """Every kind of variant of a seeded sample of the city's premises, geocoded."""
    with django_db_blocker.unblock():
        roads = list(Road.objects.values_list("name", "name_en"))
        taken = frozenset([n for n, _ in roads] + [english_split(e)[0] for _, e in roads])
        taken |= {e.lower().rsplit(" ", 1)[0] for _, e in roads}
        rng = random.Random(SEED)
        ids = rng.sample(sorted(Premise.objects.values_list("id", flat=True)), PREMISES_SAMPLED)
        fields = list(KnownAddress.__dataclass_fields__)
        known = [
            KnownAddress(*row) for row in Premise.objects.filter(id__in=ids).values_list(*fields)
        ]
        result = []
        for address in sorted(known, key=lambda a: a.id):
            for kind in KINDS:
                text = address_variant(address, kind=kind, rng=rng, road_names=taken)
                result.append(Trial(kind, text, address, geocode(text)))
        return result


def _misses(trials: list[Trial], *, within: int) -> str:
    by_kind = Counter(t.kind for t in trials if not t.within(within))
    lines = [f"misses by kind: {dict(by_kind)}"]
    for t in trials:
        if not t.within(within):
            top = [(c.label, c.score) for c in t.found[:3]]
            lines.append(f"{t.kind}: {t.text!r} (is {t.truth.full_text}) -> {top}")
    return "\n".join(lines)


def test_the_right_premise_comes_first_for_95_percent_of_address_variants(
    trials: list[Trial],
) -> None:
    assert len(trials) == PREMISES_SAMPLED * len(KINDS)
    first = sum(t.within(1) for t in trials) / len(trials)
    assert first >= 0.95, _misses(trials, within=1)


def test_the_right_premise_is_in_the_first_five_for_99_percent_of_address_variants(
    trials: list[Trial],
) -> None:
    top5 = sum(t.within(5) for t in trials) / len(trials)
    assert top5 >= 0.99, _misses(trials, within=5)


def test_a_complete_address_as_stored_is_an_exact_match(trials: list[Trial]) -> None:
    full = [t for t in trials if t.kind == "full"]
    assert {(t.found[0].id, t.found[0].score, t.found[0].method) for t in full} == {
        (t.truth.id, 1.0, "exact") for t in full
    }
    point = full[0].found[0].point
    assert point.srid == 4326
    assert point.equals_exact(Premise.objects.get(id=full[0].truth.id).geom, 1e-9)


# ---------------------------------------------------------------------------- no wrong guesses


def _premise_of(*, road: str, flats: bool) -> Premise:
    query = (
        Premise.objects.filter(road_name=road).exclude(building="")
        if flats
        else (Premise.objects.filter(road_name=road, building=""))
    )
    premise = query.order_by("id").first()
    assert premise is not None, f"the demo city has no such premise on {road}"
    return premise


@pytest.mark.parametrize(
    "text",
    [
        "asdfgh",
        "qwerty uiop",
        "火星路999号",
        "火星道1号1号楼1单元101",  # no such road, though the numbers exist on others
        "中山路100号",
        "解方道999号",  # one slip from 解放道, which has no number 999 to confirm it
        "中山路",
        "中关村大街1号",
        "北京市朝阳区建国门外大街1号",
        "123 Fake Street",
        "Baker Street 221",
        "12345",
        "!!!",
        "   ",
        "",
    ],
)
def test_unknown_text_gets_no_candidate(city: None, text: str) -> None:
    assert geocode(text) == []


def test_a_real_road_with_a_number_it_does_not_have_gets_the_road_only(city: None) -> None:
    road = Road.objects.get(name="友谊道")
    for text in ("友谊道9999号", "河西区友谊道9999号3号楼2单元501", "No. 9999 Youyi Avenue"):
        found = geocode(text)
        assert [(c.kind, c.id, c.label) for c in found] == [("road", road.id, "友谊道")], text
        assert found[0].score < 0.5
        assert found[0].point.distance(road.geom) < 1e-9  # a point on the road


def test_a_flat_that_does_not_exist_gets_the_road_then_its_compound_as_guesses(
    city: None,
) -> None:
    flat = _premise_of(road="友谊道", flats=True)
    found = geocode(f"友谊道{flat.house_number}号99号楼1单元101")
    assert (found[0].kind, found[0].label) == ("road", "友谊道")
    guesses = found[1:]
    assert guesses
    assert {(c.kind, c.score) for c in guesses} == {("premise", 0.3)}
    assert set(
        Premise.objects.filter(id__in=[c.id for c in guesses]).values_list(
            "road_name", "house_number"
        )
    ) == {("友谊道", flat.house_number)}


def test_a_number_on_the_other_road_of_the_same_name_comes_after_the_road_written(
    city: None,
) -> None:
    flat = _premise_of(road="友谊道", flats=True)
    found = geocode(f"友谊路{flat.house_number}号")  # 友谊路 runs north-south, has no premises
    assert [c.kind for c in found[:2]] == ["road", "premise"]
    assert found[0].label == "友谊路"
    assert found[0].score > found[1].score


def test_a_whole_flat_on_the_other_road_of_the_same_name_comes_before_the_road_written(
    city: None,
) -> None:
    # Callers swap 路 and 道; a building, unit and room that all exist there as one premise
    # say which road was meant, though never exactly.
    flat = _premise_of(road="友谊道", flats=True)
    address = f"{flat.house_number}号{flat.building}号楼{flat.unit}单元{flat.room}"
    found = geocode(f"友谊路{address}")
    assert [(c.kind, c.label) for c in found] == [("premise", flat.full_text), ("road", "友谊路")]
    assert found[0].score > found[1].score
    assert found[0].method != "exact"
    elsewhere = next(d for d in ("和平区", "河西区", "南开区") if d != flat.district)
    found = geocode(f"{elsewhere}友谊路{address}")
    assert found[0].label == flat.full_text
    assert found[0].score < geocode(f"{flat.district}友谊路{address}")[0].score


def test_road_and_number_of_a_compound_gets_several_flats(city: None) -> None:
    flat = _premise_of(road="友谊道", flats=True)
    flats = Premise.objects.filter(road_name="友谊道", house_number=flat.house_number)
    assert flats.count() > 5
    found = geocode(f"友谊道{flat.house_number}号")
    assert len(found) == 5
    assert {(c.kind, c.score, c.method) for c in found} == {("premise", 0.5, "structured")}
    assert {c.id for c in found} <= set(flats.values_list("id", flat=True))
    assert len(geocode(f"友谊道{flat.house_number}号", limit=20)) == 20


def test_a_shop_by_road_and_number_is_exact(city: None) -> None:
    shop = _premise_of(road="友谊道", flats=False)
    found = geocode(f"友谊道{shop.house_number}号")
    assert [(c.id, c.score, c.method) for c in found] == [(shop.id, 1.0, "exact")]


def test_a_wrong_district_still_finds_the_address_with_a_lower_score(city: None) -> None:
    flat = _premise_of(road="友谊道", flats=True)
    other = "河北区" if flat.district != "河北区" else "河西区"
    found = geocode(flat.full_text.replace(flat.district, other))
    assert [(c.id, c.score, c.method) for c in found] == [(flat.id, 0.9, "structured")]


def test_an_exact_address_costs_two_queries(
    city: None, django_assert_num_queries: DjangoAssertNumQueries
) -> None:
    flat = _premise_of(road="友谊道", flats=True)
    geocode(flat.full_text)  # loads the road names once per network revision
    with django_assert_num_queries(2):  # the revision, then one lookup in premise_address
        assert geocode(flat.full_text)[0].id == flat.id


# ---------------------------------------------------------------------------- places


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("友谊路小学", 0.95),
        ("Youyi Road Primary School", 0.95),
        ("youyi road primary school", 0.95),
        ("友谊路小学附近", 0.9),
        ("友谊路小学校门口", 0.9),
    ],
)
def test_landmark_by_chinese_or_english_name(city: None, text: str, score: float) -> None:
    school = Landmark.objects.get(name="友谊路小学")
    found = geocode(text)
    assert (found[0].kind, found[0].id, found[0].label, found[0].score) == (
        "landmark",
        school.id,
        "友谊路小学",
        score,
    )
    assert found[0].point.equals_exact(school.geom, 1e-9)
    assert all(c.kind != "landmark" for c in found[1:])  # not every other primary school


def test_a_landmark_name_with_a_slip_is_found_by_similarity(city: None) -> None:
    found = geocode("友谊路医阮")
    hospital = Landmark.objects.get(name="友谊路医院")
    assert (found[0].kind, found[0].id, found[0].method) == ("landmark", hospital.id, "landmark")
    assert 0.4 <= found[0].score < 0.9


@pytest.mark.parametrize(
    "text",
    [
        "友谊路与解放道交口",
        "友谊路和解放道",
        "解放道与友谊路",
        "Youyi Road and Jiefang Avenue",
        "Youyi Rd & Jiefang Ave",
        "youyi rd / jiefang ave",
    ],
)
def test_a_corner_is_where_the_two_roads_cross(city: None, text: str) -> None:
    youyi, jiefang = Road.objects.get(name="友谊路"), Road.objects.get(name="解放道")
    crossing = youyi.geom.intersection(jiefang.geom)
    found = geocode(text)
    assert len(found) == 1
    assert (found[0].kind, found[0].id, found[0].method) == ("intersection", None, "intersection")
    assert found[0].label in ("友谊路与解放道交口", "解放道与友谊路交口")
    assert found[0].point.equals_exact(crossing, 1e-9)
    assert found[0].score == 0.9


def test_parallel_roads_have_no_corner(city: None) -> None:
    assert [c.kind for c in geocode("友谊道与解放道交口")] != ["intersection"]


def test_a_road_alone(city: None) -> None:
    road = Road.objects.get(name="解放道")
    for text, score in (("解放道", 0.7), ("Jiefang Avenue", 0.7), ("Jeifang Avenue", 0.55)):
        found = geocode(text)
        assert [(c.kind, c.id, c.score) for c in found] == [("road", road.id, score)], text


# ---------------------------------------------------------------------------- reverse


def test_reverse_geocoding_finds_the_premise_and_the_road_with_their_distances(
    city: None,
) -> None:
    shop = _premise_of(road="友谊道", flats=False)
    at = reverse_geocode(shop.geom)
    assert at.premise is not None
    assert at.road is not None
    assert (at.premise.id, at.premise.label) == (shop.id, shop.full_text)
    assert at.premise.distance_m < 0.01
    nearest_road = Road.objects.annotate(d=Distance("geom", shop.geom)).order_by("d").first()
    assert nearest_road is not None
    assert (at.road.id, at.road.label) == (nearest_road.id, nearest_road.name)
    # Premises sit 30 m from a cross street and 45 m from the street they front.
    assert at.road.distance_m == pytest.approx(nearest_road.d.m, abs=0.5)
    assert 25 < at.road.distance_m <= 46
    assert at.road.point.distance(nearest_road.geom) < 1e-9


def test_reverse_geocoding_a_point_beside_a_building_measures_metres(city: None) -> None:
    flat = _premise_of(road="友谊道", flats=True)
    # About 20 m north: 20 / 111,000 degrees of latitude.
    beside = Point(flat.geom.x, flat.geom.y + 20 / 111_000, srid=4326)
    at = reverse_geocode(beside)
    assert at.premise is not None
    found = Premise.objects.get(id=at.premise.id)
    assert (found.road_name, found.house_number, found.building) == (
        flat.road_name,
        flat.house_number,
        flat.building,
    )
    assert at.premise.distance_m == pytest.approx(20, abs=0.5)
