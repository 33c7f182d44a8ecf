from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from ronghe.api import root as api_root

urlpatterns = [
    path("", include("ronghe.insights.urls")),
    path("", include("ronghe.core.urls")),
    path("", include("ronghe.accounts.urls")),
    path("", include("ronghe.orgs.urls")),
    path("", include("ronghe.people.urls")),
    path("", include("ronghe.orglife.urls")),
    path("", include("ronghe.compliance.urls")),
    path("", include("ronghe.plans.urls")),
    path("", include("ronghe.decisions.urls")),
    path("", include("ronghe.notify.urls")),
    path("api/v1/", api_root.urls()),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
]

handler400 = "ronghe.core.views.error_400"
handler403 = "ronghe.core.views.error_403"
handler404 = "ronghe.core.views.error_404"
handler500 = "ronghe.core.views.error_500"
