"""The portal's login backend: Django's ModelBackend, loading the signed-in user of every
request with the home it works from (area, police station, department) in the same query.

Every page reads that home: the jurisdiction of every list and page (``jurisdiction.scope_of``)
and the navbar's user menu. Read through the foreign key, it was a query of its own on every
page a centre or grid user opened (make bench: the "layout" row, the portal's empty page)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

# The user's home, read with the user (LEFT JOINs: a user has one of them, or none).
HOME_RELATIONS = ("area", "police_station", "department")


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related(*HOME_RELATIONS).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
