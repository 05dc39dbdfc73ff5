#!/usr/bin/env bash
# Set up, then run the demo account's scan DAG against moto_server on the embedded default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/postureflow demo "$@"
