# driftline worker image: docker compose builds it from this checkout.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY detectors ./detectors
COPY ground_truth ./ground_truth
COPY stream ./stream
RUN pip install --no-cache-dir .
ENTRYPOINT ["driftline"]
CMD ["worker", "--config", "/config/driftline.toml"]
