#!/usr/bin/env bash
# Superset container start: metadata, admin, the CCHC dashboards (imported with Superset's CLI), then the server.
set -euo pipefail
superset db upgrade
superset fab create-admin --username admin --firstname CCHC --lastname Admin --email admin@localhost \
  --password "${SUPERSET_ADMIN_PASSWORD:?set SUPERSET_ADMIN_PASSWORD}" || true  # exists after the first start
superset init
if [ -e /data/published/cchc.duckdb ]; then
  python -m bi.superset /data/published/cchc.duckdb /app/superset_home/cchc_bundle.zip
  superset import-dashboards -p /app/superset_home/cchc_bundle.zip -u admin
else
  echo "no published warehouse yet: dashboards are imported at the next start" >&2
fi
exec /usr/bin/run-server.sh
