#!/usr/bin/env bash
# Serve the portal with a Celery worker (running the schedule too: AML monitoring, the compliance score,
# SLA checks) and the outbox relay beside it (filesystem broker by default); stop all three on exit.
set -euo pipefail
HOST=${1:-127.0.0.1}
PORT=${2:-8000}
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-chequecloud.settings.local}
VAR_DIR=${CHEQUECLOUD_VAR_DIR:-var}
mkdir -p "$VAR_DIR"
.venv/bin/celery -A chequecloud worker -l WARNING -Q default,ocr,ml,pdf --concurrency 2 \
  --beat --schedule "$VAR_DIR/celerybeat-schedule" &
WORKER=$!
.venv/bin/python manage.py relay &
RELAY=$!
trap 'kill $WORKER $RELAY 2>/dev/null; wait $WORKER $RELAY 2>/dev/null' EXIT INT TERM
echo "ChequeCloud: http://$HOST:$PORT/  (demo users: see README.md; Ctrl-C stops the portal, worker and relay)"
.venv/bin/python manage.py runserver "$HOST:$PORT"
