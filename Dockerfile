# faqbot: the Discord bot in a small image. The SQLite database lives in the /app/data volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 faqbot

COPY pyproject.toml README.md ./
COPY bot ./bot
RUN pip install .

COPY knowledge ./knowledge
RUN mkdir -p /app/data && chown faqbot:faqbot /app/data
VOLUME ["/app/data"]

USER faqbot
# The token comes from the environment: docker run -e DISCORD_TOKEN ...
# A config file can be mounted and passed: ... faqbot run --config /app/config.yaml
CMD ["faqbot", "run"]
