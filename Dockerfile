# faqbot: the Discord bot in a small image. The database lives in the /app/data volume; mount the knowledge
# read-only over /app/knowledge to edit it without rebuilding (see the README's deployment section).
FROM python:3.11-slim AS base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# tini (Debian's package) runs as PID 1: it forwards SIGTERM to faqbot from the first instant (Python as PID 1
# ignores it until its handler is installed) and reaps zombies.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
    && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# The code, built and installed under /install in a throw-away stage: no build/ or *.egg-info reaches the image.
FROM base AS code
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip wheel --no-deps --wheel-dir /tmp/wheels . && pip install --no-deps --root /install /tmp/wheels/*.whl

FROM base
# uid 10001: chown a bind-mounted data folder to it (chown 10001:10001 ./data).
RUN useradd --create-home --uid 10001 --user-group faqbot \
    && mkdir -p /app/data && chown faqbot:faqbot /app/data

# Dependencies first, in their own layer, pinned by constraints.txt (make lock): a code change does not reinstall them.
COPY constraints.txt /tmp/constraints.txt
RUN pip install --no-deps -r /tmp/constraints.txt && rm /tmp/constraints.txt

# Then the code: only the installed package and its `faqbot` script, one copy of the sources.
# pip check fails the build when constraints.txt no longer satisfies pyproject.toml: run make lock.
COPY --from=code /install/ /
RUN pip check

WORKDIR /app
# The bundled knowledge: the default, read-only to the bot; a mount over /app/knowledge replaces it.
COPY knowledge ./knowledge
VOLUME ["/app/data"]

USER 10001:10001
# Healthy while `faqbot run` refreshes its heartbeat (every 15 s); the start period covers loading the knowledge.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["faqbot", "health"]
ENTRYPOINT ["/usr/bin/tini", "--"]
# The token comes from the environment: docker run -e DISCORD_TOKEN ...
# A config file can be mounted and passed: ... faqbot run --config /app/config.yaml
CMD ["faqbot", "run"]
