# syntax=docker/dockerfile:1
# ChequeCloud: one image, a command per role (web, worker, beat, migrate).

FROM python:3.11-slim-bookworm AS wheels
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential pkg-config libmariadb-dev \
 && rm -rf /var/lib/apt/lists/*
COPY requirements/ /tmp/requirements/
RUN pip wheel --no-cache-dir --wheel-dir /wheels -r /tmp/requirements/production.txt

FROM node:20-bookworm-slim AS frontend
WORKDIR /frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm AS runtime
# Data (uploads, cheque images, the beat schedule) lives in /app/var, the one volume. Static files are
# collected into /app/staticfiles, outside it, so each image serves the static files it was built with.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=chequecloud.settings.production \
    CHEQUECLOUD_VAR_DIR=/app/var \
    STATIC_ROOT=/app/staticfiles
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 tesseract-ocr tesseract-ocr-eng \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system app \
 && useradd --system --gid app --home-dir /home/app --create-home --shell /usr/sbin/nologin app
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /app
# Code, front-end packages and static files belong to root and are read-only to the portal's user.
COPY . .
COPY --from=frontend /frontend/node_modules /app/frontend/node_modules
# Production settings refuse to load without their secrets and a shared cache. Collecting static files
# needs neither, so this step alone gets placeholders; they are not kept in the image, which still
# refuses to start until it is given real ones.
RUN SECRET_KEY=build-only-not-a-secret \
    ALLOWED_HOSTS=build-only.invalid \
    FIELD_ENCRYPTION_KEYS=build-only-not-a-key \
    BLIND_INDEX_KEY=build-only-not-a-key \
    MODEL_SIGNING_KEY=build-only-not-a-key \
    CACHE_URL=rediscache://build-only.invalid:6379/0 \
    python manage.py collectstatic --noinput
# Nothing outside /app/var is writable by anyone but root; /app/var is the portal user's.
RUN find /app -path /app/var -prune -o ! -type l -perm /go=w -exec chmod go-w {} + \
 && mkdir -p /app/var \
 && chown -R app:app /app/var
USER app
EXPOSE 8000
# The entrypoint probes the role this container runs: web /health/, worker a ping to its own node, beat
# its schedule file.
HEALTHCHECK --interval=30s --timeout=30s --start-period=60s --retries=3 \
  CMD ["/app/scripts/docker-entrypoint.sh", "health"]
ENTRYPOINT ["/app/scripts/docker-entrypoint.sh"]
CMD ["web"]
