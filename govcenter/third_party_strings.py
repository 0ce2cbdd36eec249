"""Strings django-axes shows in the admin, which it does not translate into Chinese (it ships
no zh_Hans catalogue), and the few of Django's own that its catalogue leaves untranslated. Marked here so that ``make messages`` puts them in the portal's
catalogue, which Django consults before an app's own (LOCALE_PATHS): the admin's lock pages
then read in the user's language. Never imported; django-otp marks none of its strings for
translation, so its admin stays English apart from the app names (govcenter/apps.py).
"""

from django.utils.translation import gettext_noop

AXES = (
    # models (axes/models.py)
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    # fields
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Access lock out"),
    # admin (axes/admin.py)
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Not set"),
    gettext_noop("Clean up expired attempts"),
)

# Django's own admin: the note on the add-user page, new in Django 5.1, which Django's zh_Hans
# catalogue does not translate yet (contrib/admin/templates/admin/auth/user/add_form.html).
DJANGO = (gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),)
