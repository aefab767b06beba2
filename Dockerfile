# One image for web, worker, beat and tracker; docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# GeoDjango loads GDAL, GEOS and PROJ through ctypes; gdal-bin brings all three. The timeline
# PDF embeds a subset of WenQuanYi Micro Hei for Chinese (TrueType, which reportlab can subset;
# Noto CJK is CFF); poppler-utils' pdffonts and pdftotext read an exported PDF back.
RUN apt-get update \
 && apt-get install -y --no-install-recommends gdal-bin fonts-wqy-microhei poppler-utils gettext \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 1000 app

WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock

COPY manage.py pyproject.toml ./
COPY config config
COPY gis gis
COPY fleet fleet
COPY dispatch dispatch
COPY field_app_api field_app_api
COPY maps maps
COPY alerts alerts
COPY demo demo
COPY templates templates
COPY locale locale
COPY static static
RUN python manage.py compilemessages --ignore=.venv -v 0 \
 && python manage.py collectstatic --no-input -v 0 && mkdir -p var && chown -R app var

USER app
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn", "--bind", "0.0.0.0:8000"]
