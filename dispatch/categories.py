"""Case types are data: names and lookups read from the rows an administrator edits.

Every screen, export and API that names a category asks here, never an enum, so a case type
added in the admin shows by its own name everywhere with no code change.
"""

from collections.abc import Iterable

from django.utils.translation import get_language

from dispatch.models import Call, CategoryRule, Incident


def _chinese(language: str | None) -> bool:
    return (language or get_language() or "en").lower().startswith("zh")


def category_names(language: str | None = None) -> dict[str, str]:
    """Every case type's code and its name in `language` (default: the active language)."""
    zh = _chinese(language)
    return {
        code: (name_zh or name_en or code) if zh else (name_en or name_zh or code)
        for code, name_en, name_zh in CategoryRule.objects.values_list(
            "category", "label_en", "label_zh"
        )
    }


def category_name(code: str, language: str | None = None) -> str:
    """One case type's name; the code itself when no row has it (an old, removed type)."""
    row = CategoryRule.objects.filter(category=code).values_list("label_en", "label_zh").first()
    if row is None:
        return code
    name_en, name_zh = row
    if _chinese(language):
        return name_zh or name_en or code
    return name_en or name_zh or code


def category_codes() -> set[str]:
    """The codes a call may be given today."""
    return set(CategoryRule.objects.values_list("category", flat=True))


def category_labels_fill(rows: Iterable[Incident | Call]) -> None:
    """Name every row's case type with one query (else a list asks once per row)."""
    names = category_names()
    for row in rows:
        row.__dict__["category_label"] = names.get(row.category, row.category)
