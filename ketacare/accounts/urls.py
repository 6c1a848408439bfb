from django.urls import path

from ketacare.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("verify/", views.verify, name="verify"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("preferences/", views.preferences, name="preferences"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
    path("me/", views.me, name="me"),
    path("me/two-factor/replace/", views.replace_two_factor, name="replace_two_factor"),
    path("invitation/<str:secret>/", views.accept_invitation, name="accept_invitation"),
    path("password/", views.change_password, name="change_password"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetSentView.as_view(), name="password_reset_sent"),
    path("password/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
]
