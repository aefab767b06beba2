"""Address text normalisation shared by import, the demo city and the geocoder.

`search_key` turns any spelling of an address into one canonical local form: full-width
characters to half-width (NFKC), traditional variants to simplified, Chinese numerals before
an address word to digits, the synonyms of 号楼 / 单元 / 室 to one spelling, spaces and
punctuation removed, so that "河西区 友谊路３２號3栋2门501室" and "河西区友谊路32号3号楼2单元501"
index and match the same.
"""

import re
import unicodedata

# Variants people type for the same address words: traditional forms (Hong Kong, Taiwan and
# older input methods) of the characters that occur in address words and common road names.
_VARIANTS = str.maketrans(
    {
        "號": "号",
        "樓": "楼",
        "區": "区",
        "單": "单",
        "門": "门",
        "衚": "胡",
        "棟": "栋",
        "層": "层",
        "東": "东",
        "廣": "广",
        "華": "华",
        "開": "开",
        "長": "长",
        "黃": "黄",
        "龍": "龙",
        "灣": "湾",
        "臺": "台",
        "條": "条",
        "裡": "里",
        "園": "园",
        "陽": "阳",
        "慶": "庆",
        "蘇": "苏",
        "廈": "厦",
        "寧": "宁",
        "貴": "贵",
        "雲": "云",
        "紅": "红",
        "橋": "桥",
        "濟": "济",
        "遼": "辽",
        "漢": "汉",
        "鄭": "郑",
        "維": "维",
        "與": "与",
        "場": "场",
        "誼": "谊",
        "瓊": "琼",
        "圍": "围",
        "馬": "马",
        "楓": "枫",
        "臨": "临",
    }
)
_DROP = re.compile(r"[\s,，。.、:：;；'\"“”‘’()（）\[\]【】#·\-~/]+")

# Address words a number can stand before; a Chinese numeral there is a number ("三号楼").
_ADDRESS_WORD = r"(?=号|栋|幢|座|单元|门|室|楼|层)"
_CN_NUMERAL = re.compile(r"[零〇一二两三四五六七八九十百]+" + _ADDRESS_WORD)
# As callers say them: 幺 for one and 洞 for zero, as radio operators do.
_CN_DIGIT = {"零": 0, "〇": 0, "洞": 0, "一": 1, "幺": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGIT |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_BUILDING_WORD = re.compile(r"(\d+)\s*(?:#\s*楼|#|栋|幢|座|号\s*楼)")
_UNIT_WORD = re.compile(r"(\d+)\s*(?:单元|门)")
_ROOM_WORD = re.compile(r"(\d+)\s*(?:室|号房)")


def fold(text: str) -> str:
    """Unicode NFKC (full-width digits and letters become ASCII), lower case, variants unified."""
    return unicodedata.normalize("NFKC", text).translate(_VARIANTS).lower().strip()


def chinese_number(numeral: str) -> int:
    """三十二 → 32, 一百零五 → 105, 五零一 → 501 (digit by digit when there is no 十 or 百)."""
    return int(chinese_digits(numeral))


def chinese_digits(run: str) -> str:
    """三十二 → 32, 一百零五 → 105, 五零幺 → 501, 五01 → 501: spoken digits (幺 and 洞 too)
    and written ones mixed; digit by digit without 十/百, so a leading 零 is kept (零五 → 05)."""
    if "十" not in run and "百" not in run:
        return "".join(ch if ch.isdigit() else str(_CN_DIGIT[ch]) for ch in run)
    total, digit = 0, 0
    for ch in run:
        if ch == "百":
            total += (digit or 1) * 100
            digit = 0
        elif ch == "十":
            total += (digit or 1) * 10
            digit = 0
        else:
            digit = int(ch) if ch.isdigit() else _CN_DIGIT[ch]
    return str(total + digit)


def numerals_to_digits(text: str) -> str:
    """Chinese numerals standing before an address word become digits: 三号楼二单元 → 3号楼2单元.

    Only before an address word, so the ordinals in road names (长江二道) stay as they are.
    """
    return _CN_NUMERAL.sub(lambda m: str(chinese_number(m.group())), text)


def search_key(text: str) -> str:
    """The canonical key a premise is indexed under and a query is compared with."""
    text = numerals_to_digits(fold(text))
    text = _BUILDING_WORD.sub(r"\1号楼", text)
    text = _UNIT_WORD.sub(r"\1单元", text)
    text = _ROOM_WORD.sub(r"\1", text)
    return _DROP.sub("", text)
