from django.urls import path

from . import views

app_name = "grids"

urlpatterns = [
    path("", views.grid_list, name="grid_list"),
    path("new/", views.grid_create, name="grid_create"),
    path("<int:pk>/", views.grid_detail, name="grid_detail"),
    path("<int:pk>/edit/", views.grid_edit, name="grid_edit"),
    path("<int:pk>/team/add/", views.membership_add, name="membership_add"),
    path("team/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("<int:pk>/households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("residents/", views.resident_list, name="resident_list"),
    path("residents/new/", views.resident_create, name="resident_create"),
    path("residents/<int:pk>/", views.resident_detail, name="resident_detail"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/reveal-id/", views.resident_reveal_id, name="resident_reveal_id"),
]
