"""The columns each kind of file has, and the check that refuses a file whose columns are wrong.

A utility's export names its columns its own way; the documented English names are accepted in
any case, and the Chinese names the utilities' systems commonly use as aliases. A column the
kind does not have is refused too: a misspelt optional column ("e-mial") would otherwise be
ignored without a word and its values lost.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from dispatch.errors import DispatchError
from dispatch.imports.models import Kind


class ImportRefusedError(DispatchError):
    """The whole file is refused before anything is written."""


@dataclass(frozen=True)
class Column:
    name: str
    required: bool = True
    aliases: tuple[str, ...] = ()


COLUMNS: dict[str, tuple[Column, ...]] = {
    Kind.CUSTOMERS: (
        Column("account_id", aliases=("account", "account_no", "户号", "用户编号", "账号")),
        Column("name", aliases=("户名", "姓名", "用户名称")),
        Column("phones", aliases=("phone", "电话", "联系电话")),
        Column("address", aliases=("地址", "用气地址")),
        Column("premise_id", required=False, aliases=("premise", "房屋编号")),
        Column("email", required=False, aliases=("e-mail", "邮箱", "电子邮件")),
        Column("vulnerable", required=False, aliases=("重点关怀",)),
    ),
    Kind.CREWS: (
        Column("code", aliases=("crew_code", "班组编号")),
        Column("name", aliases=("班组名称",)),
        Column("station", aliases=("station_code", "站点", "所属站点")),
        Column("skills", aliases=("技能",)),
        Column("shift", aliases=("班次",)),
        Column("members", required=False, aliases=("成员",)),
    ),
    Kind.VANS: (
        Column("device_id", aliases=("device", "设备编号")),
        Column("registration", aliases=("车牌", "车牌号")),
        Column("crew", required=False, aliases=("crew_code", "班组编号")),
    ),
    Kind.USERS: (
        Column("username", aliases=("login", "用户名", "工号")),
        Column("name", aliases=("姓名",)),
        Column("role", aliases=("角色",)),
        Column("station", aliases=("station_code", "org_unit", "所属单位")),
        Column("phone", required=False, aliases=("电话", "手机")),
        Column("email", required=False, aliases=("e-mail", "邮箱")),
    ),
}
# The column each kind is updated by: the utility's own id.
KEYS = {Kind.CUSTOMERS: "account_id", Kind.CREWS: "code", Kind.VANS: "device_id"}
KEYS[Kind.USERS] = "username"


def header_line(kind: str) -> str:
    """The documented header line of a kind, as a utility would copy it."""
    return ",".join(c.name for c in COLUMNS[kind])


def _folded(header: object) -> str:
    text = "" if header is None else str(header)
    return text.replace("\ufeff", "").strip().lower().replace(" ", "_")


def header_problems(
    columns: Sequence[Column], headers: Sequence[object]
) -> tuple[list[str], list[str]]:
    """The file's headers as the columns' documented names (blank where none matches), and
    what is wrong with them: columns missing, unknown, or given twice (every import's rule)."""
    names = {_folded(n): c.name for c in columns for n in (c.name, *c.aliases)}
    found = [names.get(_folded(h), "") for h in headers]
    unknown = [str(h) for h, name in zip(headers, found, strict=True) if not name and _folded(h)]
    missing = [c.name for c in columns if c.required and c.name not in found]
    twice = sorted({n for n in found if n and found.count(n) > 1})
    problems = []
    if missing:
        problems.append(_("missing column(s): %s") % ", ".join(missing))
    if unknown:
        problems.append(_("unknown column(s): %s") % ", ".join(unknown))
    if twice:
        problems.append(_("column(s) given twice: %s") % ", ".join(twice))
    return found, problems


def headers_check(kind: str, headers: Sequence[object]) -> list[str]:
    """The file's headers as the documented column names, or ImportRefusedError saying what
    is wrong and what the header line should be."""
    found, problems = header_problems(COLUMNS[kind], headers)
    if not problems:
        return found
    optional = [c.name for c in COLUMNS[kind] if not c.required]
    raise ImportRefusedError(
        _(
            "This is not a %(kind)s file as expected (%(problems)s). Nothing was imported. "
            "Make the first line name the columns: %(header)s%(optional)s, and import the file "
            "again."
        )
        % {
            "kind": kind,
            "problems": "; ".join(problems),
            "header": header_line(kind),
            "optional": (_(" (%s may be left out)") % ", ".join(optional)) if optional else "",
        },
        field="file",
    )
