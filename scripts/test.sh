#!/usr/bin/env bash
# Set up, then run the whole test suite on two processes (pytest-xdist; the files of a module stay together,
# so module-scoped fixtures such as a moto world are built once). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
exec .venv/bin/python -m pytest -n "${POSTUREFLOW_TEST_WORKERS:-2}" --dist loadfile "$@"
