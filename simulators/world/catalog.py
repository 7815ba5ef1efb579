"""Reference data the world is built from: official units (from a package), procedures, names.

Units and their official codes come from the `vietnamadminunits` package (Decision 19/2025/QĐ-TTg
list and the pre-reform 63-province list), never typed by hand. The procedure catalogue is a
plausible excerpt in the national catalogue's code style (x.00xxxx); durations are statutory
working days typical for the level.
"""

from __future__ import annotations

import sqlite3
import zlib
from datetime import date
from functools import lru_cache
from importlib import resources

import pandas as pd


def _dataset() -> sqlite3.Connection:
    path = resources.files("vietnamadminunits") / "data" / "dataset.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _province_units(query: str, province_code: str, which: str) -> pd.DataFrame:
    with _dataset() as con:
        frame = pd.read_sql_query(query, con, params=[province_code])
    if frame.empty:
        raise ValueError(f"province code {province_code!r} is not in the {which} shipped by vietnamadminunits")
    return frame


@lru_cache(maxsize=4)
def legacy_units(province_code: str) -> pd.DataFrame:
    """Pre-July-2025 wards/communes of a province with their district (official NSO codes)."""
    return _province_units(
        "select provinceCode as province_code, province as province_name, districtCode as district_code, "
        "district as district_name, wardCode as ward_code, ward as ward_name, wardType as ward_type "
        "from admin_units_legacy where provinceCode = ? order by districtCode, wardCode",
        province_code, "official list")


REFORM = date(2025, 7, 1)  # two-level local government (Resolution 202/2025/QH15; list of Decision 19/2025/QĐ-TTg)


@lru_cache(maxsize=4)
def current_units(province_code: str) -> pd.DataFrame:
    """Communes/wards of a province from 1 July 2025, directly under it (no district level)."""
    return _province_units(
        "select provinceCode as province_code, province as province_name, null as district_code, "
        "null as district_name, wardCode as ward_code, ward as ward_name, wardType as ward_type "
        "from admin_units where provinceCode = ? order by wardCode",
        province_code, "1 July 2025 list")


def wards_of(province_code: str, district_code: str) -> pd.DataFrame:
    units = legacy_units(province_code)
    wards = units[units.district_code == district_code]
    if wards.empty:
        raise ValueError(f"district {district_code!r} is not in province {province_code!r} of the official list")
    return wards.reset_index(drop=True)


WARD_TYPE_CODE = {"Xã": "xa", "Phường": "phuong", "Thị trấn": "thi_tran", "Đặc khu": "dac_khu"}


_FIELDS = {
    "G09-DD": "Đất đai", "G09-HT": "Hộ tịch", "G09-HKD": "Thành lập và hoạt động của hộ kinh doanh",
    "G09-XD": "Hoạt động xây dựng", "G09-GD": "Giáo dục và Đào tạo", "G09-BTXH": "Bảo trợ xã hội",
    "G09-CT": "Chứng thực", "G09-NCC": "Người có công", "G09-MT": "Môi trường", "G09-VH": "Văn hóa",
}

_PROCEDURES = [
    # district level
    ("1.001612", "Cấp giấy chứng nhận đăng ký hộ kinh doanh", "G09-HKD", "huyen", 3, 4, True),
    ("2.000575", "Thay đổi nội dung đăng ký hộ kinh doanh", "G09-HKD", "huyen", 3, 4, True),
    ("1.004227", "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất", "G09-DD", "huyen", 10, 3, True),
    ("1.004238", "Cấp đổi giấy chứng nhận quyền sử dụng đất", "G09-DD", "huyen", 7, 3, True),
    ("1.004250", "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất lần đầu", "G09-DD", "huyen", 20, 3, True),
    ("1.009794", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "G09-XD", "huyen", 15, 3, True),
    ("1.009795", "Cấp điều chỉnh giấy phép xây dựng nhà ở riêng lẻ", "G09-XD", "huyen", 10, 3, True),
    ("1.001639", "Đăng ký khai sinh có yếu tố nước ngoài", "G09-HT", "huyen", 5, 3, True),
    ("2.000528", "Đăng ký kết hôn có yếu tố nước ngoài", "G09-HT", "huyen", 10, 3, True),
    ("1.004492", "Thành lập trường mầm non tư thục", "G09-GD", "huyen", 20, 3, False),
    ("1.001776", "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng", "G09-BTXH", "huyen", 7, 4, False),
    ("2.000913", "Chứng thực bản sao từ bản chính giấy tờ do cơ quan nước ngoài cấp", "G09-CT", "huyen", 1, 3, True),
    ("1.010937", "Cấp giấy phép môi trường", "G09-MT", "huyen", 15, 3, True),
    # commune level
    ("1.001193", "Đăng ký khai sinh", "G09-HT", "xa", 1, 4, False),
    ("1.000894", "Đăng ký kết hôn", "G09-HT", "xa", 1, 3, False),
    ("1.000656", "Đăng ký khai tử", "G09-HT", "xa", 1, 4, False),
    ("1.004884", "Cấp bản sao trích lục hộ tịch", "G09-HT", "xa", 1, 4, True),
    ("1.004873", "Xác nhận tình trạng hôn nhân", "G09-HT", "xa", 3, 4, True),
    ("2.000908", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "G09-CT", "xa", 1, 3, True),
    ("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "G09-CT", "xa", 1, 3, True),
    ("2.001035", "Chứng thực hợp đồng, giao dịch liên quan đến nhà ở", "G09-CT", "xa", 2, 3, True),
    ("1.001738", "Đăng ký thường trú trợ cấp người có công", "G09-NCC", "xa", 5, 3, False),
    ("1.001758", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "G09-BTXH", "xa", 3, 3, False),
    ("1.003604", "Đăng ký kê khai số lượng chăn nuôi", "G09-MT", "xa", 5, 4, False),
    ("1.005099", "Xác nhận hợp đồng tiếp cận nguồn gen", "G09-DD", "xa", 5, 3, False),
    ("1.004646", "Công nhận câu lạc bộ thể thao cơ sở", "G09-VH", "xa", 7, 3, False),
]


def field_code(field_name: str) -> str:
    """The code of a field by its name; a field the catalogue lacks gets a stable code derived from the name."""
    for code, name in _FIELDS.items():
        if name.casefold() == field_name.casefold():
            return code
    return f"G09-X{zlib.crc32(field_name.encode()) % 10**6:06d}"


@lru_cache(maxsize=1)
def procedures() -> pd.DataFrame:
    rows = [
        {"code": c, "name": n, "field_code": f, "field_name": _FIELDS[f], "level": lvl, "duration": d,
         "online_level": ol, "has_fee": fee}
        for c, n, f, lvl, d, ol, fee in _PROCEDURES
    ]
    return pd.DataFrame(rows)


FAMILY_NAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
                "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương"]
MIDDLE_NAMES = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang", "Thu", "Hoài", "Gia", "Bảo",
                "Xuân", "Kim", "Anh", "Mạnh"]
GIVEN_NAMES = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng", "Hương",
               "Khánh", "Lan", "Linh", "Long", "Mai", "Nam", "Ngân", "Nhung", "Phong", "Phương", "Quân",
               "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Vân", "Việt", "Yến", "Đạt"]
BUSINESS_NAMES = ["Công ty TNHH Thương mại Hồng Hà", "Công ty cổ phần Xây dựng Tây Hồ", "Hộ kinh doanh Minh Phát",
                  "Công ty TNHH Dịch vụ Ánh Dương", "Hợp tác xã Nông nghiệp Thành Công", "Công ty TNHH Kỹ thuật Sao Việt"]
STAFF_POSITIONS = ["Chủ tịch", "Phó Chủ tịch", "Chánh Văn phòng", "Trưởng phòng", "Phó Trưởng phòng"]
DOC_TYPES = ["Quyết định", "Công văn", "Báo cáo", "Kế hoạch", "Thông báo", "Tờ trình", "Giấy mời"]
DOC_NOTATION = {"Quyết định": "QĐ", "Công văn": "UBND-VP", "Báo cáo": "BC", "Kế hoạch": "KH",
                "Thông báo": "TB", "Tờ trình": "TTr", "Giấy mời": "GM"}
DOC_SUBJECTS = ["V/v triển khai nhiệm vụ cải cách hành chính", "V/v báo cáo kết quả giải quyết TTHC quý",
                "V/v kiện toàn Bộ phận Một cửa", "V/v số hóa hồ sơ, kết quả giải quyết TTHC",
                "V/v thực hiện Đề án 06", "V/v kiểm tra công tác văn thư, lưu trữ", "V/v phòng chống thiên tai",
                "V/v tổ chức hội nghị sơ kết", "V/v phê duyệt kế hoạch sử dụng đất", "V/v chuyển đổi số"]
DISTRICT_DEPARTMENTS = ["Văn phòng HĐND và UBND", "Phòng Nội vụ", "Phòng Tư pháp", "Phòng Tài nguyên và Môi trường"]
