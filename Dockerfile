# The image that docker-compose.yml runs as web, worker and beat.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY requirements/lock.txt requirements/lock.txt
RUN pip install -r requirements/lock.txt
COPY . .
RUN DJANGO_ENV=development python manage.py collectstatic --noinput
RUN useradd --system --home /app conflictdesk && mkdir -p var && chown -R conflictdesk var
USER conflictdesk
EXPOSE 8000
# Processes and worker class: gunicorn.conf.py (WEB_CONCURRENCY, GUNICORN_WORKER_CLASS).
CMD ["gunicorn", "conflictdesk.wsgi:application", "--bind", "0.0.0.0:8000"]
