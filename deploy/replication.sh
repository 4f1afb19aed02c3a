#!/bin/sh
# Run once by the postgres image when it creates the primary's data directory:
# a role the standby streams the log as, and the pg_hba rule that lets it in
# (replication connections match only rules naming `replication`).
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -c "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD:-replicator}'"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
