from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers")
    CREWS = "crews", _("Crews")
    VANS = "vans", _("Vans")
    USERS = "users", _("Users")


class ImportRun(models.Model):
    """One import of one file: its progress while it runs, then its report.

    The admin's upload page creates it and a Celery task fills it in; `import_people` records
    one for every import that writes (a dry run from the command records nothing), so the
    rejected rows and the unmatched addresses of every import can be looked up afterwards.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")  # the file's columns were wrong: nothing changed
        FAILED = "failed", _("Failed")  # an unexpected error: rolled back, nothing changed

    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    file_name = models.CharField(max_length=255, verbose_name=_("file name"))
    upload = models.FileField(upload_to="imports/%Y/%m/", blank=True, verbose_name=_("upload"))
    encoding = models.CharField(
        max_length=20,
        blank=True,
        help_text=_("as given; empty: detected (UTF-8, else GB18030)"),
        verbose_name=_("encoding"),
    )
    dry_run = models.BooleanField(default=False, verbose_name=_("dry run"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    phase = models.CharField(max_length=40, blank=True, verbose_name=_("phase"))
    rows_total = models.PositiveIntegerField(default=0, verbose_name=_("rows total"))
    rows_done = models.PositiveIntegerField(default=0, verbose_name=_("rows done"))
    created = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    updated = models.PositiveIntegerField(default=0, verbose_name=_("updated"))
    unchanged = models.PositiveIntegerField(default=0, verbose_name=_("unchanged"))
    rejected = models.PositiveIntegerField(default=0, verbose_name=_("rejected"))
    unmatched = models.PositiveIntegerField(default=0, verbose_name=_("unmatched"))
    message = models.TextField(blank=True, verbose_name=_("message"))
    report = models.JSONField(default=dict, blank=True, verbose_name=_("report"))
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("import run")
        verbose_name_plural = _("import runs")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.rows_total) if self.rows_total else 0
