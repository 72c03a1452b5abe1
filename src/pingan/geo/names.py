"""Place names as people write them: normalisation and short forms.

Official division names carry a level suffix (市, 县, 区, 街道, 镇, 乡) and village-level names
often the committee's full title (村民委员会, 社区居委会).  In addresses people drop these:
"新昌县" is written "新昌", "儒岙镇" "儒岙", "高钱村村委会" "高钱村" or "高钱".
"""

from __future__ import annotations

import re
import unicodedata

# Rare characters in official names (from the 2025 MCA list) and what people type instead.
# 干𬒗镇 (Zhoushan) is often written 干览镇; 鿎石街道 (Longquan) is written 石达石街道.
_CHARACTER_FALLBACKS = {"𬒗": "览", "鿎": "石达"}

_PUNCTUATION = re.compile(r"[\s·・\-—_()（）\[\]【】「」\"'“”‘’,，.。、]+")

# Ethnic-minority markers inside names of autonomous divisions (Zhejiang has only 畲族 ones,
# the others are listed so that names from elsewhere are handled the same way).
_ETHNIC = "(?:畲族|回族|满族|苗族|土家族|壮族|蒙古族|瑶族|侗族)"

# Forms that are not place names on their own, even though stripping a suffix produces them.
_GENERIC = frozenset(
    {
        "开发",
        "经济",
        "工业",
        "农业",
        "城区",
        "新区",
        "园区",
        "中心",
        "社区",
        "街道",
        "村委",
        "居委",
        "虚拟",
        "市辖",
    }
)

_VILLAGE_COMMITTEE = re.compile(r"^(?P<stem>.+?)(?:村村民委员会|村村委会|村民委员会|村委会)$")
_RESIDENT_COMMITTEE = re.compile(r"^(?P<stem>.+?)(?:社区居民委员会|社区居委会|居民委员会|居委会)$")
_ADMIN_COMMITTEE = re.compile(r"^(?P<stem>.+?)(?:管理委员会|管委会)$")
_ZONE = re.compile(
    r"^(?P<stem>.+?)(?P<kind>经济技术开发区|经济开发区|高新技术产业开发区|高新技术产业园区|高新区)$"
)
_ZONE_SHORT = {
    "经济技术开发区": ("经开区", "开发区"),
    "经济开发区": ("经开区", "开发区"),
    "高新技术产业开发区": ("高新区",),
    "高新技术产业园区": ("高新区",),
    "高新区": ("高新区",),
}


def normalise_name(name: str) -> str:
    """Canonical spelling for comparing names.

    Full-width forms become half-width (NFKC), whitespace and punctuation are dropped, and rare
    characters are replaced by what people type for them.
    """
    text = unicodedata.normalize("NFKC", name)
    text = _PUNCTUATION.sub("", text)
    for rare, common in _CHARACTER_FALLBACKS.items():
        text = text.replace(rare, common)
    return text


def _usable(form: str) -> bool:
    return len(form) >= 2 and form not in _GENERIC


def _add(forms: list[str], *candidates: str) -> None:
    for form in candidates:
        if _usable(form) and form not in forms:
            forms.append(form)


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> str | None:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def short_forms(name: str, level: str) -> list[str]:
    """Forms of ``name`` people write, most complete first; the (normalised) name itself leads.

    ``level`` is one of province, city, county, town, village, grid.  A form is never a single
    character nor a generic word such as 开发 or 社区.  Different places may share a short form
    (新昌县 and 常山县新昌乡 are both "新昌"); telling them apart is the gazetteer's job.
    """
    full = normalise_name(name)
    forms: list[str] = []
    _add(forms, full)

    committee = _ADMIN_COMMITTEE.match(full)
    if committee:
        full = committee.group("stem")
        _add(forms, full)

    zone = _ZONE.match(full)
    if zone:
        stem = zone.group("stem")
        _add(forms, *(stem + short for short in _ZONE_SHORT[zone.group("kind")]))
        return forms

    if level == "province":
        stem = _strip_suffix(full, ("省",))
        if stem:
            _add(forms, stem)
    elif level == "city":
        stem = _strip_suffix(full, ("市",))
        if stem:
            _add(forms, stem)
    elif level == "county":
        autonomous = re.match(rf"^(?P<stem>.+?){_ETHNIC}?自治县$", full)
        if autonomous:
            _add(forms, autonomous.group("stem") + "县", autonomous.group("stem"))
        elif full != "市辖区":
            stem = _strip_suffix(full, ("县", "区", "市"))
            if stem:
                _add(forms, stem)
    elif level == "town":
        stem = _strip_suffix(full, ("街道办事处", "街道办", "街道"))
        if stem:
            _add(forms, stem + "街道", stem)
        else:
            ethnic = re.match(rf"^(?P<stem>.+?){_ETHNIC}(?P<kind>[镇乡])$", full)
            if ethnic:
                _add(forms, ethnic.group("stem") + ethnic.group("kind"), ethnic.group("stem"))
            else:
                stem = _strip_suffix(full, ("镇", "乡"))
                if stem:
                    _add(forms, stem)
    elif level == "village":
        _add_village_forms(forms, full)
    return forms


def _add_village_forms(forms: list[str], full: str) -> None:
    village = _VILLAGE_COMMITTEE.match(full)
    if village:
        stem = village.group("stem")
        _add(forms, stem + "村", stem)
        return
    resident = _RESIDENT_COMMITTEE.match(full)
    if resident:
        stem = resident.group("stem")
        _add(forms, stem + "社区", stem)
        return
    stem = _strip_suffix(full, ("社区", "村"))
    if stem:
        _add(forms, stem)


def display_name(name: str, level: str) -> str:
    """The name to show and store: committee titles shortened to the village or community name.

    "高钱村村委会" → "高钱村", "东山社区居委会" → "东山社区", "桥下居委会" → "桥下社区".
    Rare characters of official names are kept (干𬒗镇 stays 干𬒗镇).
    """
    text = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", name))
    if level != "village":
        return text
    village = _VILLAGE_COMMITTEE.match(text)
    if village:
        return village.group("stem") + "村"
    resident = _RESIDENT_COMMITTEE.match(text)
    if resident:
        return resident.group("stem") + "社区"
    return text
