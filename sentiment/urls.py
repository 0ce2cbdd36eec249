from django.urls import path

from . import views

app_name = "sentiment"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.file_log, name="file"),
    path("new/residents/", views.resident_search, name="resident_search"),
    path("mine/", views.my_logs, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("cosign/", views.cosign_list, name="to_cosign"),
    path("all/", views.log_list, name="list"),
    path("all/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("monthly/", views.monthly, name="monthly"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("agency/", views.agency_list, name="agency_list"),
    path("agency/<int:pk>/", views.agency_complete, name="agency_complete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_log, name="print"),
    # One POST URL per step of the table (GET answers 405): sentiment:report_up, ...
    *views.FLOW.urls(),
]
