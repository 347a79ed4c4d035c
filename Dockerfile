# ChequeCloud: one image, a command per role (web, worker, beat, migrate).
# syntax=docker/dockerfile:1

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
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=chequecloud.settings.production \
    CHEQUECLOUD_VAR_DIR=/app/var
RUN apt-get update \
 && apt-get install -y --no-install-recommends libmariadb3 tesseract-ocr tesseract-ocr-eng \
      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system app && useradd --system --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links=/wheels /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY --chown=app:app . .
COPY --from=frontend --chown=app:app /frontend/node_modules /app/frontend/node_modules
RUN SECRET_KEY=build-only-collectstatic ALLOWED_HOSTS=localhost python manage.py collectstatic --noinput \
 && mkdir -p /app/var && chown -R app:app /app/var
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/').status != 200)" || exit 1
ENTRYPOINT ["scripts/docker-entrypoint.sh"]
CMD ["web"]
