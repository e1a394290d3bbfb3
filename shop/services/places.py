"""Vietnam's 34 provinces and cities (since 1 July 2025), from the vietnam-provinces package,
and the names people still use from before: the former provinces each one absorbed, and the
former wards and communes, mapped to today's by the vietnamadminunits package's tables."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from vietnam_provinces import Province, ProvinceCode, Ward


@dataclass(frozen=True)
class Place:
    code: str  # e.g. "phu_tho", used in URLs
    name: str  # e.g. "Phú Thọ", stored on cooperatives and addresses
    number: int  # the official code, e.g. 25


def _short_name(name: str) -> str:
    return name.removeprefix("Thành phố ")


@cache
def provinces() -> tuple[Place, ...]:
    """All provinces and centrally governed cities, ordered by their official code."""
    return tuple(Place(p.codename, _short_name(p.name), p.code.value) for p in Province.iter_all())


# Provinces merged on 1 July 2025 (Resolution 202/2025/QH15): today's name, the former ones.
FORMER_PROVINCES = {
    "Tuyên Quang": ("Hà Giang",),
    "Lào Cai": ("Yên Bái",),
    "Thái Nguyên": ("Bắc Kạn",),
    "Phú Thọ": ("Vĩnh Phúc", "Hòa Bình"),
    "Bắc Ninh": ("Bắc Giang",),
    "Hưng Yên": ("Thái Bình",),
    "Hải Phòng": ("Hải Dương",),
    "Ninh Bình": ("Hà Nam", "Nam Định"),
    "Quảng Trị": ("Quảng Bình",),
    "Đà Nẵng": ("Quảng Nam",),
    "Quảng Ngãi": ("Kon Tum",),
    "Gia Lai": ("Bình Định",),
    "Khánh Hòa": ("Ninh Thuận",),
    "Lâm Đồng": ("Đắk Nông", "Bình Thuận"),
    "Đắk Lắk": ("Phú Yên",),
    "Hồ Chí Minh": ("Bình Dương", "Bà Rịa - Vũng Tàu"),
    "Đồng Nai": ("Bình Phước",),
    "Tây Ninh": ("Long An",),
    "Cần Thơ": ("Sóc Trăng", "Hậu Giang"),
    "Vĩnh Long": ("Bến Tre", "Trà Vinh"),
    "Đồng Tháp": ("Tiền Giang",),
    "Cà Mau": ("Bạc Liêu",),
    "An Giang": ("Kiên Giang",),
}


def province_by_code(code: str) -> Place | None:
    return next((p for p in provinces() if p.code == code), None)


def province_by_name(name: str) -> Place | None:
    return next((p for p in provinces() if p.name == name), None)


@cache
def _wards(province_number: int) -> dict[str, str]:
    """Folded ward or commune name (without its "Xã"/"Phường" prefix) -> official name."""
    from shop.services.text import fold

    names = {}
    for ward in Ward.iter_by_province(ProvinceCode(province_number)):
        names[fold(ward.name)] = ward.name
        names[fold(ward.name.split(" ", 1)[1])] = ward.name
    return names


def ward_names(province: Place) -> tuple[str, ...]:
    """Today's wards and communes of ``province``, in alphabetical order, for a picker."""
    from shop.services.text import fold

    return tuple(sorted(set(_wards(province.number).values()), key=fold))


def ward_in(province: Place, name: str) -> str | None:
    """The official name of a ward or commune of ``province`` as typed, accents optional."""
    from shop.services.text import fold

    return _wards(province.number).get(fold(name))


# --- Former wards and communes (before 1 July 2025) -----------------------------------------


@dataclass(frozen=True)
class WardMatch:
    """What a typed ward name is today: one ward (``name``), or, for a former ward split
    between several, the ``choices``; ``former`` is set when the typed name is a former one."""

    name: str | None = None
    former: str = ""
    choices: tuple[str, ...] = ()


def _key(text: str) -> str:
    from shop.services.text import fold

    return fold(text).replace(" ", "")


UNIT_PREFIXES = ("phuong", "xa", "thitran")


def _bare(key: str) -> str:
    """A ward's key without its kind ("phuongthuongdinh" -> "thuongdinh")."""
    return next((key[len(p) :] for p in UNIT_PREFIXES if key.startswith(p)), key)


@cache
def _conversion_table() -> dict:
    spec = importlib.util.find_spec("vietnamadminunits")  # its data only: no import, no network
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / "data" / "converter_2025.json").read_text(encoding="utf-8"))


def _table_key(province_number: int) -> str:
    """The conversion table's key of a province: "thanhphohanoi", "tinhphutho"."""
    key = _key(Province.from_code(ProvinceCode(province_number)).name)
    return key if key.startswith("thanhpho") else "tinh" + key


@cache
def _former_wards(province_number: int) -> dict[str, tuple[str, ...]]:
    """Former ward key (with and without its kind) -> today's official names, the likeliest
    first."""
    today = {_key(w.name): w.name for w in Ward.iter_by_province(ProvinceCode(province_number))}
    table, province = _conversion_table(), _table_key(province_number)
    found: dict[str, list[str]] = {}

    def note(old_key: str, new_key: str) -> None:
        name = today.get(new_key)
        ward = old_key.rsplit("_", 1)[-1]
        for key in {ward, _bare(ward)}:
            if name and name not in found.setdefault(key, []):
                found[key].append(name)

    for new_key, old_keys in table["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province, {}).items():
        for old_key in old_keys:
            note(old_key, new_key)
    for old_key, parts in table["DICT_PROVINCE_WARD_DIVIDED"].get(province, {}).items():
        for part in sorted(parts, key=lambda p: not p["isDefaultNewWard"]):
            note(old_key, part["newWardKey"])
    return {key: tuple(names) for key, names in found.items()}


def find_ward(province: Place, typed: str) -> WardMatch:
    """Today's ward for what was typed: a current name (accents optional), or a former one."""
    current = ward_in(province, typed)
    if current is not None:
        return WardMatch(current)
    names = _former_wards(province.number).get(_key(typed), ())
    if len(names) == 1:
        return WardMatch(names[0], former=typed.strip())
    return WardMatch(None, former=typed.strip() if names else "", choices=names)


@cache
def _legacy_names() -> dict:
    spec = importlib.util.find_spec("vietnamadminunits")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return json.loads((folder / "data" / "parser_legacy.json").read_text(encoding="utf-8"))


def _legacy_unit(old_key: str) -> tuple[str, ...]:
    """Readable names of a former unit's key ("tinhhoabinh_huyenluongson_xalienson"): its
    ward or commune, district and province, as people wrote them before 1 July 2025."""
    province_key, district_key, ward_key = old_key.split("_")
    legacy = _legacy_names()
    province = legacy["DICT_PROVINCE"].get(province_key, {})
    district = legacy["DICT_PROVINCE_DISTRICT"].get(province_key, {}).get(district_key, {})
    wards = legacy["DICT_PROVINCE_DISTRICT_WARD_NO_ACCENTED"].get(province_key, {})
    ward = wards.get(district_key, {}).get(ward_key, {})
    names = (ward.get("wardShort"), district.get("districtShort"), province.get("provinceShort"))
    return tuple(name for name in names if name)


@cache
def former_names(province_name: str, commune: str) -> tuple[str, ...]:
    """The former communes, districts and provinces today's ``commune`` of ``province_name``
    took in on 1 July 2025 ("Xã Liên Sơn", "Phú Thọ" -> "Liên Sơn", "Lương Sơn", "Hòa Bình"),
    so that a producer is still found by the names people know it by."""
    place = province_by_name(province_name)
    if place is None or not commune:
        return ()
    new_key = _key(ward_in(place, commune) or commune)
    table, province = _conversion_table(), _table_key(place.number)
    old_keys = list(table["DICT_PROVINCE_WARD_NO_DIVIDED"].get(province, {}).get(new_key, []))
    for old_key, parts in table["DICT_PROVINCE_WARD_DIVIDED"].get(province, {}).items():
        if any(part["newWardKey"] == new_key for part in parts):
            old_keys.append(old_key)
    names: dict[str, None] = {}
    for old_key in old_keys:
        names.update(dict.fromkeys(_legacy_unit(old_key)))
    return tuple(names)
