"""Province-level divisions by the first two digits of a division code (GB/T 2260), and the
supervisors that the national platform's site codes fall under."""
from __future__ import annotations

PROVINCES = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省",
    "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区", "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}

#: supervisors that are not a province: State Council departments and the XPCC
SPECIAL_SUPERVISORS = {"bm": "国务院部门", "BT": "新疆生产建设兵团"}


def supervisor_code_for_site(site_code: str | None) -> str | None:
    """The supervisor code a site code belongs under.

    ``4401000001`` -> ``440000``; ``bm…`` -> ``bm``; ``BT…`` -> ``BT``. Other shapes that start
    with two digits (the platform also uses ``12BM010004`` for some provincial department sites)
    go under that province. Anything else: None.
    """
    code = (site_code or "").strip()
    if code[:2] in SPECIAL_SUPERVISORS:
        return code[:2]
    if len(code) >= 2 and code[:2].isdigit():
        return code[:2] + "0000"
    return None


def supervisor_name(code: str) -> str:
    """A readable name for a supervisor code: the province's general office (政府网站主管单位)."""
    if code in SPECIAL_SUPERVISORS:
        return SPECIAL_SUPERVISORS[code]
    province = PROVINCES.get(code[:2])
    if province is None:
        return f"{code}地区政府网站主管单位"
    return f"{province}人民政府办公厅"
