"""Address text normalisation shared by import, the demo city and the geocoder.

`search_key` turns any spelling of an address into one canonical local form: full-width
characters to half-width (NFKC), traditional variants to simplified, spaces and punctuation
removed, so that "河西区 友谊路３２號" and "河西区友谊路32号" index and match the same.
"""

import re
import unicodedata

# Variants people type for the same address words (traditional forms, older usage).
_VARIANTS = str.maketrans({"號": "号", "樓": "楼", "區": "区", "單": "单", "門": "门", "衚": "胡"})
_DROP = re.compile(r"[\s,，。.、:：;；'\"“”‘’()（）\[\]【】#·-]+")


def fold(text: str) -> str:
    """Unicode NFKC (full-width digits and letters become ASCII), lower case, variants unified."""
    return unicodedata.normalize("NFKC", text).translate(_VARIANTS).lower().strip()


def search_key(text: str) -> str:
    """The canonical key a premise is indexed under and a query is compared with."""
    return _DROP.sub("", fold(text))
