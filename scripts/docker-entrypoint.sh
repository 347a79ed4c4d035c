#!/usr/bin/env bash
# One image, a command per role.
set -euo pipefail
case "${1:-web}" in
  web)
    exec gunicorn chequecloud.wsgi:application --bind 0.0.0.0:8000 --workers "${WEB_CONCURRENCY:-2}" \
      --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" ;;
  worker)
    exec celery -A chequecloud worker -l INFO -Q "${CELERY_QUEUES:-default,ocr,ml,pdf}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" ;;
  beat)
    exec celery -A chequecloud beat -l INFO --schedule /app/var/celerybeat-schedule ;;
  migrate)
    exec python manage.py migrate --noinput ;;
  *)
    exec "$@" ;;
esac
