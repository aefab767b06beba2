"""The fields of a POST requests.<format>, checked before anything is stored."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.validators import URLValidator

from alerts.open311.errors import bad_request
from alerts.open311.wording import language_from
from dispatch.choices import Language
from dispatch.models import CategoryRule
from dispatch.selectors import phone_normalise

NAME_MAX = 49  # first and last together fit the call's 100 characters


@dataclass(frozen=True)
class RequestIn:
    service_code: str
    lat: float | None
    long: float | None
    address_string: str
    address_id: str
    email: str
    phone: str
    caller_name: str
    description: str
    media_url: str
    device_id: str
    account_id: str
    external_id: str
    language: str


class RequestForm(forms.Form):
    service_code = forms.CharField(max_length=32)
    lat = forms.FloatField(
        required=False,
        min_value=-90,
        max_value=90,
        error_messages={"invalid": "give a WGS 84 latitude in degrees, e.g. 39.09"},
    )
    long = forms.FloatField(
        required=False,
        min_value=-180,
        max_value=180,
        error_messages={"invalid": "give a WGS 84 longitude in degrees, e.g. 117.2"},
    )
    address_string = forms.CharField(required=False, max_length=300)
    address_id = forms.CharField(required=False, max_length=64)
    email = forms.EmailField(required=False, max_length=254)
    phone = forms.CharField(required=False, max_length=32)
    first_name = forms.CharField(required=False, max_length=NAME_MAX)
    last_name = forms.CharField(required=False, max_length=NAME_MAX)
    description = forms.CharField(required=False, max_length=4000)
    media_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
    )
    device_id = forms.CharField(required=False, max_length=64)
    account_id = forms.CharField(required=False, max_length=64)
    # Not in GeoReport v2: the linked system's own ticket number. It becomes the call's
    # external reference, and a POST repeated with it (a retry) does not report twice.
    external_id = forms.CharField(required=False, max_length=64)
    locale = forms.CharField(required=False, max_length=16)

    def clean_service_code(self) -> str:
        code: str = self.cleaned_data["service_code"]
        if not CategoryRule.objects.filter(category=code).exists():
            raise forms.ValidationError(f"unknown service_code {code!r}: see services.json")
        return code

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data["phone"]
        if phone and len(phone_normalise(phone)) < 5:
            raise forms.ValidationError(f"{phone!r} is not a telephone number")
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Both parsed (a bad number has its own error) but one of them left out:
        one_given = (data.get("lat") is None) != (data.get("long") is None)
        if one_given and "lat" in data and "long" in data:
            raise forms.ValidationError("give both lat and long, or neither")
        return data


def request_in(params: dict[str, str]) -> RequestIn:
    """The request's fields, or a 400 naming every field that is wrong."""
    form = RequestForm(params)
    if not form.is_valid():
        raise bad_request(
            *(
                f"{field}: {message}" if field != "__all__" else str(message)
                for field, messages in form.errors.items()
                for message in messages
            )
        )
    data = form.cleaned_data
    return RequestIn(
        service_code=data["service_code"],
        lat=data["lat"],
        long=data["long"],
        address_string=data["address_string"],
        address_id=data["address_id"],
        email=data["email"],
        phone=data["phone"],
        caller_name=f"{data['first_name']} {data['last_name']}".strip(),
        description=data["description"],
        media_url=data["media_url"],
        device_id=data["device_id"],
        account_id=data["account_id"],
        external_id=data["external_id"],
        language=language_from(data["locale"], default=Language.ZH),
    )
