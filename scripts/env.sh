# Shared by run.sh and test.sh: a virtual environment with the pinned requirements.
VENV="${VENV:-.venv}"
ensure_venv() {
  local python="${PYTHON:-python3}"
  if [ ! -x "$VENV/bin/python" ]; then
    echo "== creating $VENV"
    "$python" -m venv "$VENV"
  fi
  # Reinstall only when the pins changed.
  if ! cmp -s requirements.txt "$VENV/.installed-requirements"; then
    echo "== installing requirements"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt 2>&1 \
      | grep -v "is ignored: it is neither a file nor a directory" || true
    "$VENV/bin/pip" check >/dev/null || { echo "pip install failed" >&2; return 1; }
    cp requirements.txt "$VENV/.installed-requirements"
  fi
  # shellcheck disable=SC1091
  source "$VENV/bin/activate"
  python -m app.core.i18n >/dev/null || { echo "translation catalogue incomplete: python -m app.core.i18n" >&2; return 1; }
}
