#!/usr/bin/env bash
# One image, a command per role: web, worker, relay, beat, migrate. `health [ROLE]` is the container's health check:
# it probes the role given, or the one this container was started as.
set -euo pipefail

VAR_DIR=${CHEQUECLOUD_VAR_DIR:-/app/var}
PORT=${PORT:-8000}
BEAT_SCHEDULE=$VAR_DIR/celerybeat-schedule
# Per container (not in the shared data volume): the role this container runs, for `health` without a role.
ROLE_FILE=${TMPDIR:-/tmp}/chequecloud-role
RELAY_HEARTBEAT=${TMPDIR:-/tmp}/chequecloud-relay

started_as() {
  printf '%s\n' "$1" >"$ROLE_FILE" 2>/dev/null || true
}

health() {
  local role=${1:-}
  [[ -n $role ]] || role=$(cat "$ROLE_FILE" 2>/dev/null || true)
  case "$role" in
    web)
      # /health/ answers 200 when the database, broker and storage are reachable. The probe names the first
      # allowed host, as a browser would, so the portal does not refuse it as an unknown host.
      exec python -c '
import os, sys, urllib.request

hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",")]
host = next((h for h in hosts if h and h != "*"), "localhost")
request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/health/", headers={"Host": host})
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
try:
    with opener.open(request, timeout=20) as response:
        sys.exit(0 if response.status == 200 else 1)
except Exception as exc:
    sys.exit(f"web unhealthy: {exc}")
' "$PORT" ;;
    worker)
      # The worker's own node (named worker@<host name> when it starts) answers a ping through the broker.
      exec celery -A chequecloud inspect ping --destination "worker@$HOSTNAME" --timeout 10 ;;
    relay)
      # The relay touches its heartbeat after every pass (about twice a second, every 10 s at most while
      # the broker is away).
      if [[ -z $(find "$RELAY_HEARTBEAT" -mmin -1 -print 2>/dev/null) ]]; then
        echo "relay unhealthy: $RELAY_HEARTBEAT not touched in the last minute" >&2
        exit 1
      fi ;;
    beat)
      # Beat sends the case SLA check every five minutes and rewrites its schedule file when it does.
      local max_age=${BEAT_HEALTH_MAX_MINUTES:-15}
      if [[ -z $(find "$VAR_DIR" -maxdepth 1 -name 'celerybeat-schedule*' -mmin "-$max_age" -print -quit) ]]; then
        echo "beat unhealthy: $BEAT_SCHEDULE not written in the last $max_age minutes" >&2
        exit 1
      fi ;;
    *)
      # migrate and one-off commands serve nothing to probe.
      exit 0 ;;
  esac
}

case "${1:-web}" in
  web)
    started_as web
    exec gunicorn chequecloud.wsgi:application --bind "0.0.0.0:$PORT" --workers "${WEB_CONCURRENCY:-2}" \
      --access-logfile - --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" ;;
  worker)
    started_as worker
    exec celery -A chequecloud worker -l INFO -n "worker@%h" -Q "${CELERY_QUEUES:-default,ocr,ml,pdf}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" ;;
  relay)
    started_as relay
    exec python manage.py relay --heartbeat "$RELAY_HEARTBEAT" ;;
  beat)
    started_as beat
    exec celery -A chequecloud beat -l INFO --schedule "$BEAT_SCHEDULE" ;;
  migrate)
    started_as migrate
    exec python manage.py migrate --noinput ;;
  health)
    health "${2:-}" ;;
  *)
    exec "$@" ;;
esac
