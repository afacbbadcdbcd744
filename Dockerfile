# Market Wallboard, served by gunicorn as a non-root user.
#   docker build -t wallboard .                 the open edition (the default, last stage)
#   docker build --target wind -t wallboard:wind .   the Wind edition (needs WindPy, below)
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY app.py ./
COPY components/ components/
COPY config/ config/
COPY pages/ pages/
COPY providers/ providers/
COPY engine/ engine/
COPY analytics/ analytics/
COPY web/ web/
COPY assets/ assets/
COPY deploy/gunicorn.conf.py deploy/
RUN pip install -c constraints.txt -e . \
    && useradd --create-home --uid 10001 wallboard \
    && mkdir -p /app/var && chown wallboard /app/var

EXPOSE 8050
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8050/healthz', timeout=4)"
# Workers, timeouts and logging live in deploy/gunicorn.conf.py (which binds 127.0.0.1 by
# default); in a container the port must be reachable from nginx, hence --bind.
CMD ["gunicorn", "-c", "deploy/gunicorn.conf.py", "--bind", "0.0.0.0:8050", "app:server"]

# WindPy ships with the Wind Financial Terminal and is not on PyPI: copy the terminal's WindPy
# package (WindPy.py and its libraries, from the terminal's installation folder) into
# deploy/windpy/ before building this target. The terminal itself must be reachable from the
# container as your Wind licence allows.
FROM base AS wind
COPY deploy/windpy/ /opt/windpy/
ENV PYTHONPATH=/opt/windpy WALLBOARD_EDITION=wind
USER wallboard

FROM base AS open
USER wallboard
