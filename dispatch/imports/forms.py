from django import forms
from django.utils.translation import gettext_lazy as _

from dispatch.imports.columns import COLUMNS, header_line
from dispatch.imports.models import Kind

MAX_UPLOAD = 200 * 1024 * 1024  # a city's customers as CSV are ~70 MB; XLSX a little more


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=Kind.choices)
    upload = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8 or GBK, or gzipped: .csv.gz) or Excel (.xlsx)")
    )
    encoding = forms.CharField(
        label=_("Encoding of a CSV"),
        required=False,
        max_length=20,
        help_text=_("leave empty to detect UTF-8 (with or without BOM), else GBK/GB18030"),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check and preview, change nothing"), required=False, initial=True
    )

    def clean_upload(self) -> object:
        upload = self.cleaned_data["upload"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".csv.gz", ".txt", ".xlsx")):
            raise forms.ValidationError(_("choose a .csv, .csv.gz or .xlsx file"))
        if upload.size > MAX_UPLOAD:
            raise forms.ValidationError(_("the file is over 200 MB: gzip the CSV first"))
        return upload


def header_lines() -> list[tuple[str, str, str]]:
    """(kind, header line, optional columns) for the upload page's help."""
    return [
        (
            str(kind.label),
            header_line(kind),
            ", ".join(c.name for c in COLUMNS[kind] if not c.required),
        )
        for kind in Kind
    ]
