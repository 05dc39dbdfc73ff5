#!/usr/bin/env bash
# One-shot setup run by docker-compose.yaml's airflow-init service before anything else starts:
#   1. migrate Airflow's metadata database (PostgreSQL);
#   2. write the SimpleAuthManager passwords file for the admin user (Airflow 3's auth manager);
#   3. create the pool that caps concurrent Security Hub forwarders (postureflow.runs.SECURITYHUB_POOL);
#   4. import the Airflow connections file, if there is one (`postureflow accounts discover --connections`);
#   5. check the accounts file (problems are printed; the DAG files report them too).
# Every step is idempotent: `docker compose up` runs this on every start.
set -euo pipefail

: "${POSTUREFLOW_ADMIN_PASSWORD:?set POSTUREFLOW_ADMIN_PASSWORD (docker/make-env.sh writes one into .env)}"
: "${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:?the compose file sets this}"
POOL_NAME="postureflow_securityhub"
POOL_SLOTS="${POSTUREFLOW_SECURITYHUB_POOL_SLOTS:-4}"
CONNECTIONS_FILE="${POSTUREFLOW_CONNECTIONS_FILE:-/opt/postureflow/include/connections.json}"

echo "postureflow init: Airflow $(airflow version)"

echo "postureflow init: migrating the metadata database"
airflow db migrate

echo "postureflow init: admin user '${POSTUREFLOW_ADMIN_USER:-admin}' (SimpleAuthManager passwords file)"
# The password goes from the environment to the file without passing through a command line.
python - <<'PY'
import json
import os

path = os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]
user = os.environ.get("POSTUREFLOW_ADMIN_USER", "admin")
os.makedirs(os.path.dirname(path), exist_ok=True)
passwords = {}
if os.path.exists(path):
    with open(path) as f:
        text = f.read().strip()
    passwords = json.loads(text) if text else {}
passwords[user] = os.environ["POSTUREFLOW_ADMIN_PASSWORD"]
tmp = f"{path}.tmp"
fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o660)
with os.fdopen(fd, "w") as f:
    f.write(json.dumps(passwords) + "\n")
os.replace(tmp, path)
PY

echo "postureflow init: pool ${POOL_NAME} (${POOL_SLOTS} slots)"
airflow pools set "${POOL_NAME}" "${POOL_SLOTS}" "Caps concurrent Security Hub forwarders (API rate limits)"

if [[ -f "${CONNECTIONS_FILE}" ]]; then
  echo "postureflow init: importing connections from ${CONNECTIONS_FILE} (existing ones are kept)"
  airflow connections import "${CONNECTIONS_FILE}"
fi

case "${POSTUREFLOW_LAKE:-}" in
  s3://*) echo "postureflow init: lake ${POSTUREFLOW_LAKE}" ;;
  "") echo "postureflow init: POSTUREFLOW_LAKE is not set" >&2; exit 1 ;;
  *) mkdir -p "${POSTUREFLOW_LAKE}"; echo "postureflow init: lake ${POSTUREFLOW_LAKE} (local volume)" ;;
esac

echo "postureflow init: accounts file ${POSTUREFLOW_ACCOUNTS:-(default)}"
postureflow accounts check || echo "postureflow init: fix the accounts file; its DAGs load once it is valid" >&2
echo "postureflow init: done"
