#!/usr/bin/env bash
# Sets up and runs the whole test suite: on SQLite, and on PostgreSQL too when
# TEST_DATABASE_URL is set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test).
# Installs what the tests need: the Python test extras, and Debian's chromium (browser tests)
# and libreoffice-writer (checks the generated Word files) when they are missing.
source "$(dirname "$0")/_setup.sh" test

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing ${missing[*]} (Debian packages)"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node packages the tests use (axe-core for accessibility checks, oidc-provider for single sign-on),
# installed exactly as package-lock.json pins them.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> Installing the test suite's Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi

echo "==> ruff"
ruff check app tests bench

status=0
echo "==> Tests on SQLite"
env -u TEST_DATABASE_URL pytest "$@" || status=$?
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "==> Tests on PostgreSQL ($TEST_DATABASE_URL)"
  pytest "$@" || status=$?
fi
exit $status
