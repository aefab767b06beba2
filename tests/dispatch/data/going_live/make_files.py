"""Write the going-live test's files: what a utility's systems would export for the demo city
that tests/dispatch/test_going_live.py builds (seed 1, PREMISES premises).

Run once from the repository's root and commit the output (the test never runs this):
    .venv/bin/python tests/dispatch/data/going_live/make_files.py

Every file has a few deliberately bad rows; BAD lists each with what the test expects.
"""

import csv
import gzip
import io
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from demo.city.layout import city_generate, city_premises
from demo.city.names import GIVEN, SURNAMES

HERE = Path(__file__).parent
PREMISES = 10_500  # the test's demo city
CUSTOMERS = 10_000  # clean accounts, each at its own premise
CREWS = 50
STATIONS = ("st-west", "st-central", "st-east")
SKILL_SETS = (
    "leak_survey;make_safe;service_lines",
    "leak_survey;make_safe",
    "leak_survey;make_safe;pe_welding",
    "meters;service_lines",
    "leak_survey;make_safe;steel_welding;high_pressure",
)
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _address(rng: random.Random, premise: object) -> tuple[str, str]:
    """(address as the billing system wrote it, premise_id or '')."""
    p = premise
    text, roll = p.full_text, rng.random()  # type: ignore[attr-defined]
    if roll < 0.10:
        return p.full_text_en, ""  # type: ignore[attr-defined]
    if roll < 0.18 and p.building:  # type: ignore[attr-defined]
        return (
            f"{p.district} {p.road_name}{p.house_number}号 {p.building}栋{p.unit}门{p.room}室",  # type: ignore[attr-defined]
            "",
        )
    if roll < 0.24:
        return text.translate(FULL_WIDTH), ""
    if roll < 0.30:
        return text.removeprefix(p.district), ""  # type: ignore[attr-defined]
    if roll < 0.35:
        return text, p.asset_id  # type: ignore[attr-defined]
    return text, ""


def customers(rng: random.Random) -> None:
    city = city_generate(seed=1, premises=PREMISES)
    premises = [p for p, _customer in city_premises(city)]
    rng.shuffle(premises)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["account_id", "name", "phones", "address", "premise_id", "email", "vulnerable"])
    for n, premise in enumerate(premises[:CUSTOMERS], start=1):
        address, premise_id = _address(rng, premise)
        phones = f"13{rng.randint(0, 999_999_999):09d}"
        if rng.random() < 0.15:
            phones += f"; 022-{rng.randint(2000_0000, 8999_9999)}"
        email = f"gl{n}@example.com" if rng.random() < 0.1 else ""
        w.writerow(
            [
                f"GL{n:07d}",
                _name(rng),
                phones,
                address,
                premise_id,
                email,
                "1" if rng.random() < 0.04 else "",
            ]
        )
    # The deliberate bad rows (BAD below); the last one has an unquoted comma.
    spare = premises[CUSTOMERS]
    w.writerow(["", "无账号", "13900000001", spare.full_text, "", "", ""])
    w.writerow(["GL9000001", "坏电话", "1390000abc", spare.full_text, "", "", ""])
    w.writerow(["GL0000001", "重复账号", "13900000003", spare.full_text, "", "", ""])
    w.writerow(["GL9000002", "火星用户", "13900000004", "火星区火星路999号", "", "", ""])
    w.writerow(["GL9000003", "坏邮箱", "13900000005", spare.full_text, "", "not-an-email", ""])
    flat = next(p for p in premises[CUSTOMERS:] if p.room)
    w.writerow(
        ["GL9000005", "缺门牌", "13900000007", f"{flat.road_name}{flat.house_number}号", "", "", ""]
    )
    text = out.getvalue() + f"GL9000004,多一列,13900000006,{spare.full_text},x,y,z,extra\n"
    (HERE / "customers.csv.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def users(rng: random.Random) -> None:
    rows = [["username", "name", "role", "station", "phone", "email"]]
    for c in range(1, CREWS + 1):
        station = STATIONS[(c - 1) % 3]
        for member in "ab":
            rows.append(
                [
                    f"gl.c{c:02d}{member}",
                    _name(rng),
                    "crew_member",
                    station,
                    f"139{rng.randint(0, 99_999_999):08d}",
                    "",
                ]
            )
    for n in range(1, 5):
        rows.append([f"gl.taker{n}", _name(rng), "call_taker", "gx-city", "", ""])
    rows.append(
        ["gl.disp1", "Wei Zhang", "dispatcher", "gx-city", "022 2345 6789", "disp1@example.com"]
    )
    rows.append(
        ["gl.super", _name(rng), "supervisor", "st-central", "13800000009", "super@example.com"]
    )
    rows.append(["gl.safety", _name(rng), "safety_manager", "gx-city", "", ""])
    rows.append(["gl.admin", _name(rng), "administrator", "gx-group", "", ""])
    rows += [
        ["gl.bad1", "赵六", "pilot", "st-west", "", ""],
        ["gl.bad2", "钱七", "dispatcher", "st-north", "", ""],
        ["gl.bad3", "孙八", "call_taker", "gx-city", "12ab", ""],
        ["gl.disp1", "Someone Else", "dispatcher", "gx-city", "", ""],
    ]
    with (HERE / "users.csv").open("w", newline="", encoding="utf-8-sig") as f:  # Excel's BOM
        csv.writer(f, lineterminator="\n").writerows(rows)
    # Chinese Windows Excel's "CSV" is GBK, and its headers are the Chinese ones.
    gbk = [["用户名", "姓名", "角色", "所属单位", "手机", "邮箱"]]
    gbk += [
        ["gl.zh1", "欧阳明", "call_taker", "gx-city", "13700000001", ""],
        ["gl.zh2", "司马芳", "dispatcher", "gx-city", "13700000002", "zh2@example.com"],
        ["gl.zh3", "王秀英", "crew_member", "st-east", "13700000003", ""],
    ]
    with (HERE / "users_gbk.csv").open("w", newline="", encoding="gbk") as f:
        csv.writer(f, lineterminator="\r\n").writerows(gbk)


def crews(rng: random.Random) -> None:
    rows = [["code", "name", "station", "skills", "shift", "members"]]
    for c in range(1, CREWS + 1):
        shift = "20:00-08:00" if c % 3 == 0 else "08:00-20:00"
        rows.append(
            [
                f"C{c:02d}",
                f"抢修{c:02d}班",
                STATIONS[(c - 1) % 3],
                rng.choice(SKILL_SETS),
                shift,
                f"gl.c{c:02d}a;gl.c{c:02d}b",
            ]
        )
    rows += [
        ["C51", "抢修51班", "st-west", "leak_survey;gas_fitting", "08:00-20:00", ""],
        ["C52", "抢修52班", "st-north", "leak_survey", "08:00-20:00", ""],
        ["C01", "重复班组", "st-west", "leak_survey", "08:00-20:00", ""],
        ["", "无编号班组", "st-west", "leak_survey", "08:00-20:00", ""],
        ["C53", "坏班次", "st-east", "leak_survey", "8点到20点", ""],
        ["C54", "无人班", "st-east", "leak_survey", "08:00-20:00", "gl.nobody"],
    ]
    with (HERE / "crews.csv").open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def vans() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["device_id", "registration", "crew"])
    for c in range(1, CREWS + 1):
        # Some trackers are known by their IMEI, which Excel keeps as a number.
        device = 860_000_000_000_000 + c if c % 10 == 0 else f"GL-VAN-{c:02d}"
        sheet.append([device, f"津A·G{c:04d}", f"C{c:02d}"])
    sheet.append(["GL-VAN-99", "津A·G0099", "C99"])
    sheet.append(["GL-VAN-01", "津A·G9999", "C02"])
    book.save(HERE / "vans.xlsx")


def wrong_column() -> None:
    text = (
        "acount_id,name,phones,address\nGL8000001,错列,13900000010,红桥区卫津道6号1号楼1单元302\n"
    )
    (HERE / "customers_wrong_column.csv").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    rng = random.Random(7)
    customers(rng)
    users(rng)
    crews(rng)
    vans()
    wrong_column()
    print("written to", HERE)
