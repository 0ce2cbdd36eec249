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
    # One POST URL per step (GET answers 405).
    path("<int:pk>/accept/", views.accept, name="accept"),
    path("<int:pk>/assign/", views.assign, name="assign"),
    path("<int:pk>/mediation/", views.mediation, name="mediation"),
    path("<int:pk>/escalate/", views.escalate, name="escalate"),
    path("<int:pk>/feedback/", views.feedback, name="feedback"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/reject/", views.reject, name="reject"),
    path("<int:pk>/resolve/", views.resolve, name="resolve"),
    path("<int:pk>/unresolved/", views.unresolved, name="unresolved"),
    path("<int:pk>/followup/<int:followup_pk>/", views.followup, name="followup"),
    path("<int:pk>/police-review/", views.police_review, name="police_review"),
    path("<int:pk>/attachment/", views.attach, name="attach"),
    path("<int:pk>/divert/", views.divert, name="divert"),
]
