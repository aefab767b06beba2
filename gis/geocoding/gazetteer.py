"""The road names of the network, held in memory per network revision, matched with typos.

A city has hundreds to a few thousand distinct road names; matching a typed name against all
of them in Python (a symmetric-delete index, then a bounded edit distance) takes well under a
millisecond and tolerates the one wrong, missing or extra character that trigram similarity
cannot see in a three-character Chinese name (友宜道 and 友谊道 share one trigram of seven).
"""

import re
import threading
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection

from gis.address import search_key
from gis.geocoding.normalize import (
    deletions,
    edit_distance,
    english_key,
    english_split,
    has_cjk,
    local_split,
)
from gis.geocoding.spoken import latin_folded, sound_distance, sound_key

SUBSTRING_DISTANCE = 0.25  # the text holds a whole road name and more ("友谊路小学")
MISSING_SUFFIX_DISTANCE = 0.5  # "Youyi 32": Road and Avenue equally likely
STEM_DISTANCE = 1.5  # only the name stem is in the text: 南京大街 for 南京道 or 南京路


@dataclass(frozen=True)
class RoadName:
    name: str  # as stored in Road.name and Premise.road_name
    key: str  # search_key(name)
    name_en: str
    en_stem: str  # "youyi"
    en_suffix: str  # "avenue"
    has_premises: bool
    has_geometry: bool  # a Road row exists (premise road names may lack one)

    @property
    def latin_keys(self) -> tuple[str, ...]:
        """The name as Latin text may give it: a Latin local name without accents
        ("hameentie"), or a Chinese one in pinyin ("jiefangdao")."""
        if has_cjk(self.name):
            return (sound_key(self.key),)
        return (english_key(latin_folded(self.key)),)


@dataclass(frozen=True)
class RoadMatch:
    road: RoadName
    distance: float  # 0 as written; 1 per edit; see the constants above


def _local_limit(key: str) -> int:
    return 1 if len(key) <= 4 else 2


def _english_limit(stem: str) -> int:
    return 1 if len(stem) <= 6 else 2


class _DeleteIndex:
    """Strings within `depth` deletions of each other meet under a common key."""

    def __init__(self, keys: list[str], *, depth: int) -> None:
        self.depth = depth
        self.buckets: dict[str, set[int]] = defaultdict(set)
        for i, key in enumerate(keys):
            for variant in deletions(key, depth=depth):
                self.buckets[variant].add(i)

    def near(self, text: str) -> set[int]:
        found: set[int] = set()
        for variant in deletions(text, depth=self.depth):
            found |= self.buckets.get(variant, set())
        return found


class Gazetteer:
    def __init__(
        self,
        roads: list[RoadName],
        districts: frozenset[str],
        version: tuple[object, ...],
        landmarks: tuple[str, ...] = (),
    ) -> None:
        self.roads = roads
        self.districts = districts
        self.version = version
        self.landmarks = landmarks
        self._landmark_sounds: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for name in landmarks:
            key = search_key(name)
            self._landmark_sounds[sound_key(key[:2])].append((key, name))
        self._by_key = {r.key: r for r in roads}
        # What each name sounds like: 位金道 and 卫津道 are one sound, two slips apart.
        self._by_sound: dict[str, list[RoadName]] = defaultdict(list)
        self._latin_keys: list[tuple[str, RoadName]] = []
        for road in roads:
            if has_cjk(road.key):
                self._by_sound[sound_key(road.key)].append(road)
            self._latin_keys += [(k, road) for k in road.latin_keys if k]
        self._by_latin: dict[str, list[RoadName]] = defaultdict(list)
        for k, road in self._latin_keys:
            self._by_latin[k].append(road)
        self._latin = _DeleteIndex([k for k, _ in self._latin_keys], depth=2)
        self._by_stem: dict[str, list[RoadName]] = defaultdict(list)
        for road in roads:
            self._by_stem[local_split(road.key)[0]].append(road)
        # Two edits at most, so a text longer than every name by more than two needs no look.
        self._longest = max((len(k) for r in roads for k in (r.key, r.en_stem)), default=0)
        self._local = _DeleteIndex([r.key for r in roads], depth=2)
        self._english = _DeleteIndex([r.en_stem for r in roads], depth=2)

    def match_local(self, text: str) -> list[RoadMatch]:
        """Roads a local road text names: as written, else contained in it, else with typos."""
        key = search_key(text)
        if not key:
            return []
        if key in self._by_key:
            return [RoadMatch(self._by_key[key], 0.0)]
        # A name that opens the text ("友谊路小学", "友谊路附近") or closes it ("阳光小区友谊道").
        inside = [r for r in self.roads if key.startswith(r.key) or key.endswith(r.key)]
        if inside:
            longest = max(len(r.key) for r in inside)
            return [RoadMatch(r, SUBSTRING_DISTANCE) for r in inside if len(r.key) == longest]
        matches = [
            RoadMatch(r, sound_distance(key, r.key))
            for r in self._by_sound.get(sound_key(key), [])
            if len(r.key) == len(key)
        ]
        for i in self._local.near(key) if len(key) <= self._longest + 2 else ():
            road = self.roads[i]
            limit = _local_limit(road.key)
            distance = float(edit_distance(key, road.key, limit=limit))
            if distance <= limit and len(key) == len(road.key):
                distance = min(distance, sound_distance(key, road.key))  # 马厂道 before 马场路
            if distance <= limit:
                matches.append(RoadMatch(road, distance))
        stem, suffix = local_split(key)
        if not matches and suffix:  # 南京大街: a name's stem with another road word
            matches = [RoadMatch(r, STEM_DISTANCE) for r in self._by_stem.get(stem, [])]
        return _best(matches)

    def starting(self, key: str) -> list[RoadName]:
        """Roads whose name stem (two characters or more) the text starts with."""
        return [
            r
            for stem, roads in self._by_stem.items()
            if len(stem) >= 2 and key.startswith(stem)
            for r in roads
        ]

    def match_english(self, stem: str, suffix: str) -> list[RoadMatch]:
        """Roads an English stem and road word name ("youyi", "avenue"); typos in the stem,
        and pinyin spelt the English way ("Dagoo" for Dagu), as one slip."""
        found = self._match_english(stem, suffix)
        respelt = _pinyin_spelling(stem)
        if found or respelt == stem:
            return found
        return [RoadMatch(m.road, m.distance + 1) for m in self._match_english(respelt, suffix)]

    def _match_english(self, stem: str, suffix: str) -> list[RoadMatch]:
        if not stem:
            return []
        matches = []
        for i in self._english.near(stem) if len(stem) <= self._longest + 2 else ():
            road = self.roads[i]
            if not road.en_stem:
                continue
            limit = _english_limit(road.en_stem)
            distance = edit_distance(stem, road.en_stem, limit=limit)
            if distance <= limit:
                matches.append(RoadMatch(road, distance + _suffix_cost(suffix, road.en_suffix)))
        if not matches:  # "Hexi Zhujiang Ave": a district or place said before the name
            matches = [
                RoadMatch(r, SUBSTRING_DISTANCE + _suffix_cost(suffix, r.en_suffix))
                for r in self._ending(stem)
            ]
        exact = [m for m in matches if m.distance == 0]
        return exact or _best(matches)

    def _ending(self, stem: str) -> list[RoadName]:
        """The roads with the longest English stem (four letters or more) the text ends with."""
        inside = [
            r
            for r in self.roads
            if len(r.en_stem) >= 4 and len(stem) > len(r.en_stem) and stem.endswith(r.en_stem)
        ]
        longest = max((len(r.en_stem) for r in inside), default=0)
        return [r for r in inside if len(r.en_stem) == longest]

    def match_latin(self, key: str) -> list[RoadMatch]:
        """Roads a run of Latin words names as one key: a local Latin name ("hameentie",
        accents off) or a Chinese name in pinyin ("jiefangdao"), with slips."""
        found = self._match_latin(key)
        respelt = _pinyin_spelling(key)
        if found or respelt == key:
            return found
        return [RoadMatch(m.road, m.distance + 1) for m in self._match_latin(respelt)]

    def _match_latin(self, key: str) -> list[RoadMatch]:
        if not key or len(key) > self._longest + 2:
            return []
        if key in self._by_latin:
            return [RoadMatch(r, 0.0) for r in self._by_latin[key]]
        matches = []
        for i in self._latin.near(key):
            written, road = self._latin_keys[i]
            limit = _english_limit(written)
            distance = edit_distance(key, written, limit=limit)
            if distance <= limit:
                matches.append(RoadMatch(road, float(distance)))
        return _best(matches)

    def match_landmark(self, key: str) -> tuple[str, float] | None:
        """The landmark a text opens with, heard or typed with slips ("友谊路小雪"), and how
        far off; None when no name is close, or two are equally close."""
        found: dict[str, float] = {}
        for known, name in self._landmark_sounds.get(sound_key(key[:2]), []) if key else ():
            head = key[: len(known)]
            if len(head) == len(known):
                distance = sound_distance(head, known)
            else:
                distance = float(edit_distance(key, known, limit=1))
            if distance <= max(1.0, len(known) / 4):
                found[name] = distance
        if not found:
            return None
        best = min(found.values())
        names = [n for n, d in found.items() if d == best]
        return (names[0], best) if len(names) == 1 else None

    def siblings(self, road: RoadName) -> list[RoadName]:
        """The other roads of the same name stem: 友谊路 for 友谊道 (a common confusion)."""
        return [r for r in self._by_stem[local_split(road.key)[0]] if r.name != road.name]


# English spellings of pinyin sounds: no pinyin syllable has a doubled vowel, so "oo" and
# "ee" are an English speaker's u and i ("Dagoo", "Jeefang"), and "aa" one a.
_ENGLISH_SPELLING = re.compile(r"oo|ee|aa")
_PINYIN_FOR = {"oo": "u", "ee": "i", "aa": "a"}


def _pinyin_spelling(text: str) -> str:
    return _ENGLISH_SPELLING.sub(lambda m: _PINYIN_FOR[m[0]], text)


def _suffix_cost(written: str, actual: str) -> float:
    if written == actual:
        return 0.0
    return MISSING_SUFFIX_DISTANCE if not written else 1.0


def _best(matches: list[RoadMatch]) -> list[RoadMatch]:
    return sorted(matches, key=lambda m: (m.distance, m.road.name))


_cache: dict[str, Gazetteer] = {}
_lock = threading.Lock()


def _version() -> tuple[object, ...]:
    # The revision moves with every import; the highest road id also tells two demo cities
    # apart when a test rolled the revision back.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT revision FROM network_networkrevision WHERE id = 1), "
            "(SELECT max(id) FROM network_road)"
        )
        return tuple(cursor.fetchone())


def gazetteer() -> Gazetteer:
    """The road names of the current network: loaded once per process per network revision."""
    version = _version()
    current = _cache.get("gazetteer")
    if current is not None and current.version == version:
        return current
    with _lock:
        current = _cache.get("gazetteer")
        if current is None or current.version != version:
            current = gazetteer_build(version=version)
            _cache["gazetteer"] = current
        return current


def gazetteer_build(*, version: tuple[object, ...]) -> Gazetteer:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, max(name_en) FROM network_road GROUP BY name")
        english = dict(cursor.fetchall())
        cursor.execute("SELECT DISTINCT district FROM network_road WHERE district <> ''")
        districts = frozenset(row[0] for row in cursor.fetchall())
        # A skip scan over the premise_address index: one probe per distinct road name
        # instead of reading a million rows.
        cursor.execute("""
            WITH RECURSIVE r(name) AS (
                (SELECT road_name FROM network_premise ORDER BY road_name LIMIT 1)
                UNION ALL
                SELECT (SELECT road_name FROM network_premise WHERE road_name > r.name
                        ORDER BY road_name LIMIT 1)
                FROM r WHERE r.name IS NOT NULL
            )
            SELECT name FROM r WHERE name IS NOT NULL AND name <> ''
        """)
        with_premises = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT DISTINCT name FROM network_landmark WHERE name <> ''")
        landmarks = tuple(sorted(row[0] for row in cursor.fetchall()))
    roads = []
    for name in sorted(english.keys() | with_premises):
        name_en = english.get(name) or ""
        stem, suffix = english_split(name_en) if name_en else ("", "")
        roads.append(
            RoadName(
                name=name,
                key=search_key(name),
                name_en=name_en,
                en_stem=stem,
                en_suffix=suffix,
                has_premises=name in with_premises,
                has_geometry=name in english,
            )
        )
    return Gazetteer(roads, districts, version, landmarks)
