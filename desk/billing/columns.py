"""The billing files' columns, and turning one cell into a value or a ValueError that tells the
company's staff what to write instead.

Two files, both keyed by the account number the customer import used: `balances` (one row per
account) and `usage` (one row per account and month). English names in any case, or the
Chinese names CIS exports commonly use. README "Billing data" documents them.
"""

import re
from collections.abc import Sequence
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils import timezone
from django.utils.translation import gettext as _

from desk.billing.models import BillingImportRun, SupplyStatus
from dispatch.imports.columns import Column, ImportRefusedError, header_problems

Kind = BillingImportRun.Kind

COLUMNS: dict[str, tuple[Column, ...]] = {
    Kind.BALANCES: (
        Column("account_no", aliases=("account", "account_id", "户号", "用户编号", "账号")),
        Column("balance", aliases=("账户余额", "余额")),
        Column("arrears", aliases=("欠费金额", "欠费")),
        Column("arrears_since", required=False, aliases=("欠费起始日期", "欠费日期")),
        Column("last_payment_at", required=False, aliases=("最后缴费时间", "缴费时间")),
        Column("last_payment_amount", required=False, aliases=("最后缴费金额", "缴费金额")),
        Column("supply_status", required=False, aliases=("供气状态", "状态")),
        Column("as_of", aliases=("数据时间", "截至时间", "统计时间")),
    ),
    Kind.USAGE: (
        Column("account_no", aliases=("account", "account_id", "户号", "用户编号", "账号")),
        Column("month", aliases=("月份", "账期")),
        Column("volume_m3", aliases=("volume", "用气量", "用气量(m3)", "用气量（m³）")),
        Column("amount", aliases=("金额", "应缴金额")),
    ),
}

# Supply status as CIS exports write it: our codes, or the Chinese words.
STATUS_WORDS = {
    "normal": SupplyStatus.NORMAL,
    "正常": SupplyStatus.NORMAL,
    "正常供气": SupplyStatus.NORMAL,
    "suspended_for_arrears": SupplyStatus.SUSPENDED_FOR_ARREARS,
    "suspended": SupplyStatus.SUSPENDED_FOR_ARREARS,
    "欠费停气": SupplyStatus.SUSPENDED_FOR_ARREARS,
    "停气": SupplyStatus.SUSPENDED_FOR_ARREARS,
    "disconnected": SupplyStatus.DISCONNECTED,
    "拆表": SupplyStatus.DISCONNECTED,
    "已拆表": SupplyStatus.DISCONNECTED,
    "closed": SupplyStatus.CLOSED,
    "销户": SupplyStatus.CLOSED,
    "已销户": SupplyStatus.CLOSED,
}
MONEY_MAX = Decimal("9999999999.99")
_MONEY_NOISE = re.compile(r"[\s,¥￥元]")
_MONTH = re.compile(r"(\d{4})\s*(?:-|/|\.|年)?\s*(\d{1,2})\s*(?:月)?(?:\s*(?:-|/)\s*0?1)?")
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y年%m月%d日")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")


def header_line(kind: str) -> str:
    return ",".join(c.name for c in COLUMNS[kind])


def headers_check(kind: str, headers: Sequence[object]) -> list[str]:
    """The file's headers as the documented names, or ImportRefusedError saying what is wrong
    and what the header line should be (a misspelt column would otherwise lose its values)."""
    found, problems = header_problems(COLUMNS[kind], headers)
    if not problems:
        return found
    raise ImportRefusedError(
        _(
            "This is not a billing %(kind)s file as expected (%(problems)s). Nothing was "
            "imported. Make the first line name the columns: %(header)s, and import it again."
        )
        % {"kind": kind, "problems": "; ".join(problems), "header": header_line(kind)},
        field="file",
    )


def money_clean(text: str, *, name: str, optional: bool = False) -> Decimal | None:
    """An amount in yuan: 1,234.50, ¥12 or 12元; two decimals at most."""
    cleaned = _MONEY_NOISE.sub("", text or "")
    if not cleaned and optional:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite() or abs(value) > MONEY_MAX or value != round(value, 2):
        raise ValueError(
            _("%(name)s %(value)r is not an amount: write yuan with a dot, e.g. 1234.50")
            % {"name": name, "value": text}
        )
    return value


def date_clean(text: str, *, name: str) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text[:10] if "-" in text else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        _("%(name)s %(value)r is not a date: write it as 2026-11-30")
        % {"name": name, "value": text}
    )


def moment_clean(text: str, *, name: str) -> datetime | None:
    """A date and time in the control room's zone (a date alone is its midnight)."""
    text = (text or "").strip()
    if not text:
        return None
    for pattern in _TIME_FORMATS:
        try:
            return timezone.make_aware(datetime.strptime(text, pattern))
        except ValueError:
            continue
    try:
        day = date_clean(text, name=name)
    except ValueError:
        day = None
    if day is not None:
        return timezone.make_aware(datetime.combine(day, time()))
    raise ValueError(
        _("%(name)s %(value)r is not a date and time: write it as 2026-11-30 18:00")
        % {"name": name, "value": text}
    )


def month_clean(text: str) -> date:
    """The first day of the month written: 2026-11, 202611, 2026/11, 2026年11月 or 2026-11-01."""
    match = _MONTH.fullmatch((text or "").strip())
    if match and 1 <= int(match.group(2)) <= 12:
        return date(int(match.group(1)), int(match.group(2)), 1)
    raise ValueError(_("month %r is not a month: write it as 2026-11") % text)


def status_clean(text: str) -> str:
    value = (text or "").strip().lower()
    if not value:
        return SupplyStatus.NORMAL
    if value in STATUS_WORDS:
        return STATUS_WORDS[value]
    raise ValueError(
        _("supply status %(value)r is unknown: write one of %(valid)s")
        % {"value": text, "valid": ", ".join(SupplyStatus.values)}
    )
