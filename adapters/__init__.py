"""Adapters: Newsline's connections to the world outside the domain.

The database and the embedded PostgreSQL server, the event store and its
bulk paths, how writes are committed (group commit, import batches), the
NDJSON line format, the metrics a scrape reads, and the logs. Adapters may
import `domain`; nothing here imports `projections`, `api`, the composition
root (`newsline`) or the entrypoints.
"""
