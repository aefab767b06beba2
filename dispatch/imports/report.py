"""What an import did, row by row where it matters: the report printed by the command, stored on
the import run and shown in the admin."""

from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from dispatch.imports.models import Kind

PREVIEW_ROWS = 50  # the first rows a dry run shows it would create or update


@dataclass(frozen=True)
class Rejected:
    line: int  # the row's line in the file (the header is line 1)
    key: str  # the utility's id written on it, if any
    reason: str


@dataclass(frozen=True)
class Unmatched:
    line: int
    key: str  # the customer's account id: the account is imported, without premises
    address: str
    reason: str


@dataclass(frozen=True)
class Change:
    line: int
    key: str
    action: str  # "create" or "update"


@dataclass
class ImportReport:
    kind: str
    file_name: str
    dry_run: bool
    encoding: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    matched: int = 0  # customers whose premise was found (by id or by address)
    rejected: list[Rejected] = field(default_factory=list)
    unmatched: list[Unmatched] = field(default_factory=list)
    preview: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def reject(self, line: int, key: str, reason: str) -> None:
        self.rejected.append(Rejected(line, key, reason))

    def change(self, line: int, key: str, action: str) -> None:
        if len(self.preview) < PREVIEW_ROWS:
            self.preview.append(Change(line, key, action))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImportReport":
        lists = {
            "rejected": [Rejected(**r) for r in data.get("rejected", [])],
            "unmatched": [Unmatched(**u) for u in data.get("unmatched", [])],
            "preview": [Change(**c) for c in data.get("preview", [])],
        }
        return cls(**{**data, **lists})

    def summary(self) -> str:
        counts = {
            "kind": _kind_words(self.kind),
            "file": self.file_name,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
        }
        if self.dry_run:
            text = _(
                "%(kind)s from %(file)s: %(rows)d rows; %(created)d would be created, "
                "%(updated)d would be updated, %(unchanged)d unchanged, %(rejected)d rejected"
            )
        else:
            text = _(
                "%(kind)s from %(file)s: %(rows)d rows; %(created)d were created, "
                "%(updated)d were updated, %(unchanged)d unchanged, %(rejected)d rejected"
            )
        text %= counts
        if self.kind == "customers":
            text += _("; %(matched)d matched to premises, %(unmatched)d unmatched") % {
                "matched": self.matched,
                "unmatched": len(self.unmatched),
            }
        return text + (_(" (dry run: nothing was changed)") if self.dry_run else "")

    def lines(self) -> list[str]:
        """The whole report as text, for the command and the logs."""
        out = [self.summary()]
        if self.rejected:
            out.append(_("Rejected rows (fix them and import the file again):"))
            out += [
                "  "
                + _("line %(line)d [%(key)s]: %(reason)s")
                % {"line": r.line, "key": r.key, "reason": r.reason}
                for r in self.rejected
            ]
        if self.unmatched:
            out.append(
                _(
                    "Accounts imported without premises (their address matched none; link "
                    "them in the admin, or correct the address or give premise_id):"
                )
            )
            out += [
                "  "
                + _("line %(line)d [%(key)s] %(address)s: %(reason)s")
                % {"line": u.line, "key": u.key, "address": u.address, "reason": u.reason}
                for u in self.unmatched
            ]
        out += self.notes
        return out


def _kind_words(kind: str) -> str:
    """What the file held, as people read it (the kind's label; the code if unknown)."""
    return str(Kind(kind).label) if kind in Kind.values else kind
