from django.urls import path

from . import views

app_name = "disputes"

urlpatterns = [
    path("", views.ledger, name="list"),
    path("new/", views.register, name="register"),
    path("supervision/", views.supervision, name="supervision"),
    path("new/places/", views.place_options, name="place_options"),
    path("new/residents/", views.resident_search, name="resident_search"),
    path("print/", views.print_ledger, name="print_ledger"),
    path("export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("export.csv", views.export_csv, name="export_csv"),
    path("attachments/<int:pk>/", views.attachment, name="attachment"),
    path("parties/<int:pk>/reveal/", views.party_reveal, name="party_reveal"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/print/", views.print_sheet, name="print"),
    path("<int:pk>/link/", views.link, name="link"),
    # One POST URL per step of the table (GET answers 405): disputes:accept, ...
    *views.FLOW.urls(),
]
