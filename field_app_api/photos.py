"""Photo uploads: the type is what the bytes say, not what the file name or header claims."""

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from dispatch.errors import DispatchError

# Leading bytes of each kind we take, and the extension it is stored with.
_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def _kind(head: bytes) -> tuple[str, str] | None:
    for signature, content_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def photo_checked(upload: UploadedFile) -> tuple[bytes, str, str]:
    """The photo's bytes, content type and extension, or a 400 that says what is wrong."""
    limit = settings.PHOTO_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise DispatchError(
            _(
                "the photo is %(size).1f MB; the limit is %(limit).0f MB: "
                "take it at a lower resolution"
            )
            % {"size": upload.size / 1e6, "limit": limit / 1e6},
            field="image",
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise DispatchError(
            _("the photo is over %(limit).0f MB") % {"limit": limit / 1e6}, field="image"
        )
    kind = _kind(content[:16])
    if kind is None:
        raise DispatchError(_("send a JPEG, PNG or WebP photo"), field="image")
    return content, *kind
