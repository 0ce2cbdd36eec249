from django.urls import path

from . import views

app_name = "sentiment"

urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.file_log, name="file"),
    path("new/residents/", views.resident_search, name="resident_search"),
    path("mine/", views.my_logs, name="mine"),
    path("queue/", views.queue, name="queue"),
    path("all/", views.log_list, name="list"),
    path("all/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("monthly/", views.monthly, name="monthly"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("agency/", views.agency_list, name="agency_list"),
    path("agency/<int:pk>/", views.agency_complete, name="agency_complete"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_log, name="print"),
    # One POST URL per step (GET answers 405).
    path("<int:pk>/report-up/", views.report_up, name="report_up"),
    path("<int:pk>/handle/", views.handle_here, name="handle_here"),
    path("<int:pk>/department/", views.assign_department, name="assign_department"),
    path("<int:pk>/feed-back/", views.feed_back, name="feed_back"),
    path("<int:pk>/dispute/", views.to_dispute, name="to_dispute"),
    path("<int:pk>/photos/", views.add_photos, name="add_photos"),
]
