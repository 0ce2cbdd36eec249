import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govcenter.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their models and URL patterns, some 340,000
# objects) lives as long as the process. Frozen, it is left out of the garbage collector's
# full collections, which come every few dozen requests and scanned all of it: 70-100 ms
# added to the request that met one, 15 ms once frozen (a ledger search, make bench). Under
# gunicorn's --preload this runs before the fork, so the workers also keep those pages shared.
gc.collect()
gc.freeze()
