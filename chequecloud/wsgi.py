import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chequecloud.settings.production")
application = get_wsgi_application()

from chequecloud.warmup import warm_up  # noqa: E402 - needs the application (Django) set up

warm_up()
