from django.urls import path

from crm.signin import views

app_name = "profile"

urlpatterns = [
    path("", views.ProfileView.as_view(), name="detail"),
    path("preferences/", views.preferences, name="preferences"),
    path("two-factor/begin/", views.two_factor_begin, name="two_factor_begin"),
    path("two-factor/setup/", views.TwoFactorSetupView.as_view(), name="two_factor_setup"),
    path("two-factor/qr.svg", views.two_factor_qr, name="two_factor_qr"),
    path("two-factor/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("two-factor/recovery-codes/new/", views.RegenerateRecoveryCodesView.as_view(), name="regenerate_codes"),
    path("two-factor/turn-off/", views.TwoFactorDisableView.as_view(), name="two_factor_disable"),
]
