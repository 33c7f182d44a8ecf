from django.urls import path

from ronghe.accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/login/", views.login_view, name="login"),
    path("accounts/login/otp/", views.login_otp, name="login_otp"),
    path("accounts/login/enrol/", views.login_enrol, name="login_enrol"),
    path("accounts/logout/", views.logout_view, name="logout"),
    path("accounts/password/", views.password_change_view, name="password_change"),
    path("accounts/security/", views.security, name="security"),
    path("accounts/security/enrol/", views.security_enrol, name="security_enrol"),
    path("accounts/otp-qr.svg", views.otp_qr, name="otp_qr"),
    path("accounts/tokens/", views.token_list, name="token_list"),
    path("accounts/tokens/<uuid:code>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("manage/accounts/", views.user_list, name="user_list"),
    path("manage/accounts/export/", views.user_export, name="user_export"),
    path("manage/accounts/new/", views.user_create, name="user_create"),
    path("manage/accounts/<uuid:code>/", views.user_detail, name="user_detail"),
    path("manage/accounts/<uuid:code>/<str:action>/", views.user_action, name="user_action"),
    path("manage/roles/", views.role_list, name="role_list"),
    path("manage/roles/<uuid:code>/revoke/", views.role_revoke_view, name="role_revoke"),
]
