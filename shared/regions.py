"""Region codes (GB/T 2260 administrative divisions), one definition for every context.

A code has 6 digits: 2 for the province, 2 for the city, 2 for the district. A province's code
ends in 0000, a city's in 00 (and starts with its province's two digits).
"""

from __future__ import annotations

import re

REGION_CODE = re.compile(r"^\d{6}$", re.ASCII)
PROVINCE_CODE = re.compile(r"^\d{2}0000$", re.ASCII)

# The 34 province-level divisions.
PROVINCES: dict[str, str] = {
    "110000": "Beijing",
    "120000": "Tianjin",
    "130000": "Hebei",
    "140000": "Shanxi",
    "150000": "Inner Mongolia",
    "210000": "Liaoning",
    "220000": "Jilin",
    "230000": "Heilongjiang",
    "310000": "Shanghai",
    "320000": "Jiangsu",
    "330000": "Zhejiang",
    "340000": "Anhui",
    "350000": "Fujian",
    "360000": "Jiangxi",
    "370000": "Shandong",
    "410000": "Henan",
    "420000": "Hubei",
    "430000": "Hunan",
    "440000": "Guangdong",
    "450000": "Guangxi",
    "460000": "Hainan",
    "500000": "Chongqing",
    "510000": "Sichuan",
    "520000": "Guizhou",
    "530000": "Yunnan",
    "540000": "Tibet",
    "610000": "Shaanxi",
    "620000": "Gansu",
    "630000": "Qinghai",
    "640000": "Ningxia",
    "650000": "Xinjiang",
    "710000": "Taiwan",
    "810000": "Hong Kong",
    "820000": "Macao",
}


def province_code_error(code: str) -> str | None:
    """Why `code` is not a known province's code, or None when it is."""
    if not PROVINCE_CODE.match(code):
        return "Enter a province code: 6 digits ending in 0000."
    if code not in PROVINCES:
        return "No province has this code."
    return None


def city_code_error(code: str, *, province_code: str) -> str | None:
    """Why `code` is not a city code within `province_code`, or None when it is."""
    if not REGION_CODE.match(code) or not code.endswith("00") or code.endswith("0000"):
        return "Enter a city code: 6 digits ending in 00 (not 0000)."
    if code[:2] != province_code[:2]:
        return "The city must lie in the province."
    return None
