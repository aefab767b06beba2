"""The imports in the admin: an upload page, each run's progress while a worker imports it,
and its report (rejected rows, unmatched addresses, the dry run's preview) afterwards.

The admin site discovers this module itself (dispatch.imports is an installed app).
"""

from typing import Any

from django.contrib import admin, messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _

from dispatch.imports.forms import ImportUploadForm, header_lines
from dispatch.imports.models import ImportRun
from dispatch.imports.report import ImportReport
from dispatch.imports.runs import import_run_queue
from dispatch.models import User


def _user(request: HttpRequest) -> User | None:
    return request.user if isinstance(request.user, User) else None


FINISHED = {ImportRun.Status.DONE, ImportRun.Status.REFUSED, ImportRun.Status.FAILED}


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "file_name",
        "dry_run",
        "status",
        "created",
        "updated",
        "unchanged",
        "rejected",
        "unmatched",
        "started_by",
    )
    list_filter = ("kind", "status", "dry_run")
    search_fields = ("file_name",)
    change_list_template = "imports/change_list.html"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # a run starts from the upload page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a run's record is what happened; it is not edited

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="imports_importrun_upload"),
            path("<int:pk>/report/", view(self.report_view), name="imports_importrun_report"),
            path("<int:pk>/progress/", view(self.progress_view), name="imports_importrun_progress"),
            path("<int:pk>/confirm/", view(self.confirm_view), name="imports_importrun_confirm"),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if not (object_id.isascii() and object_id.isdigit()):
            raise Http404(_("no such import run"))
        return self.report_view(request, int(object_id))

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        form = ImportUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["upload"]
            run = import_run_queue(
                run=ImportRun(
                    kind=form.cleaned_data["kind"],
                    file_name=upload.name,
                    upload=upload,
                    encoding=form.cleaned_data["encoding"],
                    dry_run=form.cleaned_data["dry_run"],
                    started_by=_user(request),
                )
            )
            return HttpResponseRedirect(reverse("admin:imports_importrun_report", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import customers, crews, vans or users"),
            "form": form,
            "headers": header_lines(),
        }
        return TemplateResponse(request, "imports/upload.html", context)

    def report_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        run = get_object_or_404(ImportRun, pk=pk)
        report = ImportReport.from_dict(run.report) if run.report else None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(run),
            "run": run,
            "report": report,
            "finished": run.status in FINISHED,
            "can_confirm": run.dry_run and run.status == ImportRun.Status.DONE and run.upload,
        }
        return TemplateResponse(request, "imports/report.html", context)

    def progress_view(self, request: HttpRequest, pk: int) -> JsonResponse:
        run = get_object_or_404(ImportRun, pk=pk)
        return JsonResponse(
            {
                "status": run.status,
                "status_label": run.get_status_display(),
                "phase": run.phase,
                "rows_done": run.rows_done,
                "rows_total": run.rows_total,
                "percent": run.percent,
                "finished": run.status in FINISHED,
            }
        )

    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """After a dry run: the same file, imported for real."""
        dry = get_object_or_404(ImportRun, pk=pk, dry_run=True, status=ImportRun.Status.DONE)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:imports_importrun_report", args=[pk]))
        run = import_run_queue(
            run=ImportRun(
                kind=dry.kind,
                file_name=dry.file_name,
                upload=dry.upload.name,
                encoding=dry.encoding,
                dry_run=False,
                started_by=_user(request),
            )
        )
        messages.info(request, _("Importing %s for real.") % dry.file_name)
        return HttpResponseRedirect(reverse("admin:imports_importrun_report", args=[run.pk]))
