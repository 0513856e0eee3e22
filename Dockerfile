# syntax=docker/dockerfile:1
# Concord: one image for the API (`concord serve`, the default) and the projection workers
# (`docker run … concord project`). Migrations run before serving.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
WORKDIR /src
RUN python -m venv /opt/concord
COPY requirements.lock ./
RUN /opt/concord/bin/pip install -r requirements.lock
COPY pyproject.toml README.md alembic.ini ./
COPY domain ./domain
COPY services ./services
COPY projections ./projections
COPY migrations ./migrations
COPY graphql ./graphql
RUN /opt/concord/bin/pip install --no-deps .

FROM python:3.11-slim AS runtime
RUN groupadd --system concord && useradd --system --gid concord --home-dir /srv/concord concord
COPY --from=build /opt/concord /opt/concord
COPY --from=build /src/alembic.ini /srv/concord/alembic.ini
COPY --from=build /src/migrations /srv/concord/migrations
COPY --from=build /src/graphql /srv/concord/graphql
WORKDIR /srv/concord
RUN mkdir -p /srv/concord/var && chown concord:concord /srv/concord/var
ENV PATH=/opt/concord/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    CONCORD_ENVIRONMENT=production \
    CONCORD_HOST=0.0.0.0 \
    CONCORD_PORT=8000 \
    CONCORD_DATA_DIR=/srv/concord/var
USER concord
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"
CMD ["sh", "-c", "concord migrate && exec concord serve"]
