from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import export_views, import_views, twofactor_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("areas/", views.area_tree, name="area_tree"),
    path("police/", views.police_queue, name="police_queue"),
    path("supervised/", views.supervised, name="supervised"),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("accounts/profile/", views.profile, name="profile"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/two-factor/", twofactor_views.verify, name="two_factor"),
    path("accounts/two-factor/setup/", twofactor_views.setup, name="two_factor_setup"),
    path("accounts/two-factor/recovery-codes/", twofactor_views.recovery_codes, name="two_factor_recovery_codes"),
    path("imports/", import_views.import_list, name="import_list"),
    path("imports/template/<slug:kind>/", import_views.import_template, name="import_template"),
    path("imports/<int:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", import_views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors/", import_views.import_error_file, name="import_error_file"),
    path("imports/<int:pk>/passwords/", import_views.import_passwords, name="import_passwords"),
    path("exports/<int:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:pk>/progress/", export_views.export_progress, name="export_progress"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("grids/", include("grids.urls")),
    path("logs/", include("sentiment.urls")),
    path("disputes/", include("disputes.urls")),
    path("publicity/", include("publicity.urls")),
    path("analysis/", include("analysis.urls")),
]
# MEDIA_ROOT is never served as a directory, in development either: every uploaded file
# goes through its app's view, which checks the user's jurisdiction (govcenter.files).
