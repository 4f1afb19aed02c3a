# The Newsline image: the API and the projection worker share it.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY domain domain
COPY projections projections
COPY api api
COPY newsline newsline
COPY seeds seeds
RUN pip install --no-cache-dir . && useradd --system newsline
USER newsline
EXPOSE 8000
CMD ["newsline", "serve", "--host", "0.0.0.0", "--port", "8000"]
