#!/usr/bin/env bash
# Sets up and starts Avtalskollen on this machine: virtual environment, SQLite database in
# instance/, demo data from the seeds (into an empty database), a first admin, the reminder
# scheduler, and the web app at http://127.0.0.1:5000.
source "$(dirname "$0")/_setup.sh"

if [ ! -f instance/config.py ]; then
  echo "==> Writing instance/config.py with a new secret key"
  mkdir -p instance
  .venv/bin/python - <<'PY'
import secrets
with open("instance/config.py", "w") as f:
    f.write("# Written by scripts/run.sh for local use; see instance/config.py.example.\n")
    f.write(f"SECRET_KEY = {secrets.token_hex(32)!r}\n")
    f.write("SESSION_COOKIE_SECURE = False  # local http; keep True in production (https)\n")
    f.write("REMEMBER_COOKIE_SECURE = False\n")
PY
fi

echo "==> Creating or upgrading the database"
flask db upgrade
echo "==> Demo data"
flask demo load --if-empty
flask users ensure-admin
echo "==> Deadlines"
flask deadlines refresh
echo "==> Finance figures"
flask finance refresh

echo "==> Starting the reminder scheduler (its own process)"
flask reminders scheduler &
SCHEDULER_PID=$!
trap 'kill $SCHEDULER_PID 2>/dev/null || true' EXIT INT TERM

echo "==> Avtalskollen at http://127.0.0.1:${PORT:-5000} (Ctrl-C stops it)"
flask run --host 127.0.0.1 --port "${PORT:-5000}"
