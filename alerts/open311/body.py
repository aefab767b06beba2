"""The fields of a POST, decoded in the charset the client declares.

Django reads a form-encoded body as UTF-8 only and answers any other declared charset with a
bare 400 page (RFC 1866 says such forms have no charset). Linked hotlines in China often send
GBK or GB18030 and say so in the Content-Type, so a form body is read here instead: split on
"&" and "=", percent-decoded to bytes, then decoded strictly in the declared charset. A body
that declares nothing must be UTF-8; one that is not is refused rather than stored garbled.
"""

import codecs
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from alerts.open311.errors import Open311Error, bad_request

FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _charset(request: HttpRequest) -> str:
    """The declared charset, checked to be a text encoding Python knows; else UTF-8."""
    declared = (request.content_params or {}).get("charset", "").strip().strip('"').strip()
    if not declared:
        return "utf-8"
    refused = bad_request(
        _("charset %(charset)r is not one we can read: send UTF-8, or declare GBK, GB18030...")
        % {"charset": declared}
    )
    try:
        name = codecs.lookup(declared).name
    except (LookupError, ValueError):
        raise refused from None
    try:
        # base64, rot13, zlib... are codecs but not text encodings: decoding any byte says so
        # (an empty body is let through before that check is made).
        b"A".decode(name)
    except LookupError:
        raise refused from None
    except (UnicodeError, ValueError):
        pass  # a text encoding in which one "A" is not a whole character (UTF-16...)
    return name


def _undecodable(charset: str, declared: bool) -> Open311Error:
    if declared:
        return bad_request(
            _("the body is not valid %(charset)s, as its Content-Type declares")
            % {"charset": charset}
        )
    return bad_request(
        _(
            "the body is not UTF-8: declare its charset in the Content-Type "
            "(e.g. application/x-www-form-urlencoded; charset=GBK) or send UTF-8"
        )
    )


def _decode(raw: bytes, charset: str, declared: bool) -> str:
    try:
        return raw.decode(charset)
    except (UnicodeError, ValueError, LookupError):
        raise _undecodable(charset, declared) from None


def form_decode(raw: bytes, *, charset: str, declared: bool) -> dict[str, str]:
    """`a=1&b=%D1%CC` read in `charset`; the last of a repeated field wins."""
    pairs = [p for p in raw.split(b"&") if p]
    if len(pairs) > (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS or len(pairs)):
        raise bad_request(_("too many fields"))
    fields: dict[str, str] = {}
    for pair in pairs:
        name, _sep, value = pair.partition(b"=")
        fields[_decode(unquote_to_bytes(name.replace(b"+", b" ")), charset, declared)] = _decode(
            unquote_to_bytes(value.replace(b"+", b" ")), charset, declared
        )
    return fields


def request_params(request: HttpRequest) -> dict[str, str]:
    """The query's and the body's fields together (the spec lists them as query parameters;
    clients send them in the body), read in the declared charset; a 400 in the spec's shape
    for a body that cannot be read."""
    charset = _charset(request)
    declared = "charset" in (request.content_params or {})
    # A client that declares a charset encodes its whole request in it, query included.
    query = request.META.get("QUERY_STRING", "")
    try:
        params = form_decode(query.encode("iso-8859-1"), charset=charset, declared=declared)
        if request.content_type == FORM:
            params.update(form_decode(request.body, charset=charset, declared=declared))
        elif request.content_type == MULTIPART:
            body = request.POST.dict()  # Django decodes each part in request.encoding
            if any("\ufffd" in v for v in body.values()):  # bytes it could not decode
                raise _undecodable(charset, declared)
            params.update(body)
    except RequestDataTooBig:
        raise Open311Error(413, _("the request is too large")) from None
    except (UnicodeError, BadRequest, MultiPartParserError, SuspiciousOperation) as error:
        raise bad_request(
            _("the request body cannot be read: %(error)s") % {"error": error}
        ) from None
    return params
