#!/usr/bin/env bash
# Write .env beside docker-compose.yaml with freshly generated secrets, once.
# An existing .env is never overwritten (its secrets protect an existing database).
#
#   bash docker/make-env.sh                   # then: docker compose up -d --build
#   bash docker/make-env.sh path/to/.env      # somewhere else
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:-.env}"
if [[ -e "${target}" ]]; then
  echo "${target} exists; not touching it (delete it first to start over, which needs a new database)" >&2
  exit 1
fi
secret() { python3 -c 'import secrets; print(secrets.token_hex(32))'; }
fernet() { python3 -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'; }
# the containers' user: yours, so files the cli container writes into include/ are yours (not root)
uid="$(id -u)"
if [[ "${uid}" == "0" ]]; then uid=50000; fi
umask 077
cat > "${target}" <<ENV
# postureflow docker compose settings; generated $(date -u +%Y-%m-%d). Keep this file private.
POSTGRES_PASSWORD=$(secret)
AIRFLOW_FERNET_KEY=$(fernet)
AIRFLOW_JWT_SECRET=$(secret)
AIRFLOW_API_SECRET_KEY=$(secret)
POSTUREFLOW_ADMIN_USER=admin
POSTUREFLOW_ADMIN_PASSWORD=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
AIRFLOW_UID=${uid}
# POSTUREFLOW_LAKE=s3://my-lake-bucket/postureflow
# POSTUREFLOW_EXECUTOR=CeleryExecutor
# COMPOSE_PROFILES=celery
ENV
echo "wrote ${target}: the UI admin password is POSTUREFLOW_ADMIN_PASSWORD in it"
