from django.urls import path

from . import views

app_name = "publicity"

urlpatterns = [
    path("", views.campaign_list, name="list"),
    path("new/", views.campaign_create, name="create"),
    path("review/", views.review_queue, name="review_queue"),
    path("distributions/", views.distribution_list, name="distributions"),
    path("distributions/<int:pk>/", views.hand_out, name="hand_out"),
    path("my-assignments/", views.my_assignments, name="my_assignments"),
    path("assignments/", views.assignment_list, name="assignments"),
    path("assignments/<int:pk>/", views.assignment_detail, name="assignment"),
    path("assignments/<int:pk>/activity/", views.activity_create, name="activity_create"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/export.xlsx", views.activity_export, name="activity_export"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/leaflet/", views.leaflet, name="leaflet"),
    path("<int:pk>/distribute/", views.campaign_distribute, name="distribute"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    # One POST URL per step of the tables (GET answers 405): publicity:submit, approve,
    # return, close (<pk>/<step>/) and publicity:assignment_complete (assignments/<pk>/done/).
    *views.FLOW.urls(),
    *views.ASSIGNMENT_FLOW.urls(),
]
