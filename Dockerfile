# driftline worker image: `docker compose up --build` builds it from this checkout
# (.dockerignore keeps the virtualenv, caches and test data out of the build context).
FROM python:3.11-slim
WORKDIR /src
COPY pyproject.toml README.md ./
COPY detectors ./detectors
COPY ground_truth ./ground_truth
COPY stream ./stream
RUN pip install --no-cache-dir . && rm -rf /src
# Not root; faust keeps its data folder in the working directory.
RUN useradd --create-home --home-dir /var/lib/driftline --uid 10001 driftline
USER driftline
WORKDIR /var/lib/driftline
EXPOSE 9108
ENTRYPOINT ["driftline"]
CMD ["worker", "--config", "/config/driftline.toml"]
