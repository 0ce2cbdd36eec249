from django.urls import path

from . import report_views, views, warning_views

app_name = "analysis"
urlpatterns = [
    path("", views.statistics, name="statistics"),
]

# The monthly report (月报): its own module, so that the statistics page and it change apart.
urlpatterns += report_views.urlpatterns

# Early warning (预警): the inbox, a warning's page and its steps.
urlpatterns += warning_views.urlpatterns
