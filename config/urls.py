from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import healthz
from config.views_push import push_stream
from dispatch.api import me as dispatch_api
from dispatch.language import language_switch
from dispatch.views import SignInView, home
from dispatch.views_console import console
from field_app_api.views import tablet_page

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("push/stream", push_stream, name="push-stream"),
    # Browsers ask for /favicon.ico on every page that names no icon.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.svg"), permanent=True)),
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    # Django's set_language, which also keeps the choice on the signed-in user's profile.
    path("i18n/setlang/", language_switch, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/me/", dispatch_api.me, name="api-me"),
    path("api/", include("dispatch.api.urls")),
    path("api/gis/", include("gis.urls")),
    path("api/field/", include("field_app_api.urls")),
    path("api/field/", include("fleet.urls")),
    path("console/", console, name="console"),
    path("tablet/", tablet_page, name="tablet"),
    path("", include("maps.urls")),
    path("", include("maps.urls_incident")),
    path("", include("maps.urls_timeline")),
    path("", include("maps.urls_network")),
    path("", include("desk.urls")),
    path("", include("desk.knowledge.urls")),
    path("", include("desk.appointments.urls")),
    path("", include("desk.billing.urls")),
    path("", include("alerts.urls")),
    path("", include("alerts.urls_callbacks")),
    path("open311/v2/", include("alerts.urls_open311")),
    path("api/ivr/", include("alerts.ivr.urls")),
    path("api/telephony/", include("telephony.urls")),
    path("", include("alerts.urls_cap")),
    path("", include("alerts.urls_supply")),
    path("", include("alerts.urls_outages")),
    path("", include("telephony.urls_board")),
    path("", include("reports.urls")),
    path("", include("reports.urls_pages")),
    path("", include("reports.monthly.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

handler404 = "config.views_errors.not_found"
handler500 = "config.views_errors.server_error"
