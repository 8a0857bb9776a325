# shellcheck shell=bash
# The install shared by scripts/test and scripts/start. Source it; it defines functions only.
#
#   dl_install [debian-package ...]
#       1. Debian packages that are missing (plus node/npm and Python's venv when absent),
#       2. the virtualenv .venv in the checkout,
#       3. the front end: `npm ci` when js/package-lock.json changed, then `npm run build`,
#       4. `pip install -e ".[dev]"` when pyproject.toml changed (a stamp in .venv holds its hash).
#
# Environment: DL_PYTHON (interpreter for the venv, default python3).

DL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DL_VENV="$DL_ROOT/.venv"
DL_TIMINGS=()

dl_log() {
    printf '\n==> %s\n' "$*"
}

dl_die() {
    printf '\nerror: %s\n' "$*" >&2
    exit 1
}

# Run a command as root: directly when we are root, else through sudo.
dl_as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        dl_die "needs root for: $*"
    fi
}

# dl_timed LABEL COMMAND...: run the command, print and record how long it took.
# Returns the command's exit status.
dl_timed() {
    local label=$1
    shift
    local start=$EPOCHREALTIME status=0 seconds outcome
    dl_log "$label"
    "$@" || status=$?
    seconds=$(LC_ALL=C awk -v a="${start/,/.}" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }')
    if [ "$status" -eq 0 ]; then outcome=ok; else outcome="FAILED (exit $status)"; fi
    printf '<== %s: %s in %ss\n' "$label" "$outcome" "$seconds"
    DL_TIMINGS+=("$(printf '%-34s %8ss  %s' "$label" "$seconds" "$outcome")")
    return "$status"
}

dl_print_timings() {
    printf '\n%-34s %9s  %s\n' "step" "time" "result"
    printf '%s\n' "${DL_TIMINGS[@]}"
}

dl_deb_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]
}

dl_python() {
    printf '%s' "${DL_PYTHON:-python3}"
}

# The Debian packages among the arguments that are not installed, plus what the install itself
# needs and lacks (node and npm, Python's venv module).
dl_missing_debs() {
    local pkg missing=()
    for pkg in "$@"; do
        dl_deb_installed "$pkg" || missing+=("$pkg")
    done
    if ! command -v node >/dev/null 2>&1; then missing+=(nodejs); fi
    if ! command -v npm >/dev/null 2>&1; then missing+=(npm); fi
    if ! "$(dl_python)" -c 'import ensurepip, venv' >/dev/null 2>&1; then missing+=(python3-venv); fi
    printf '%s\n' "${missing[@]}"
}

dl_install_debs() {
    local missing
    mapfile -t missing < <(dl_missing_debs "$@" | sed '/^$/d')
    if [ "${#missing[@]}" -eq 0 ]; then
        echo "system packages present: ${*:-(none asked)}"
        return 0
    fi
    echo "installing Debian packages: ${missing[*]}"
    dl_as_root apt-get update -q || return 1
    dl_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        "${missing[@]}" || return 1
}

dl_ensure_venv() {
    if [ -x "$DL_VENV/bin/python" ] && "$DL_VENV/bin/python" -c '' >/dev/null 2>&1; then
        echo "virtualenv present: .venv ($("$DL_VENV/bin/python" -V 2>&1))"
        return 0
    fi
    rm -rf "$DL_VENV"
    "$(dl_python)" -m venv "$DL_VENV" || return 1
    echo "created .venv ($("$DL_VENV/bin/python" -V 2>&1))"
}

dl_build_js() {
    local js="$DL_ROOT/js" stamp="$DL_ROOT/js/node_modules/.dl-npm-ci.sha256" want
    want=$(cd "$js" && sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1) || return 1
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        (cd "$js" && npm ci --no-audit --no-fund) || return 1
        echo "$want" >"$stamp"
    else
        echo "js/node_modules matches package-lock.json"
    fi
    (cd "$js" && npm run --silent build)
}

dl_install_stamp() {
    {
        sha256sum "$DL_ROOT/pyproject.toml" | cut -d' ' -f1
        "$DL_VENV/bin/python" -V 2>&1
    } | sha256sum | cut -d' ' -f1
}

dl_pip_install() {
    local stamp="$DL_VENV/.dl-install.sha256" want
    want=$(dl_install_stamp)
    if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] &&
        "$DL_VENV/bin/python" -c 'import importlib.metadata as m; m.version("dl_jupyter")' \
            >/dev/null 2>&1; then
        echo "dl_jupyter[dev] installed; pyproject.toml unchanged"
        return 0
    fi
    rm -f "$stamp"
    (cd "$DL_ROOT" &&
        "$DL_VENV/bin/python" -m pip install --disable-pip-version-check -q -e ".[dev]") ||
        return 1
    echo "$want" >"$stamp"
}

# dl_install [debian-package ...]: everything a checkout needs before it runs; exits on failure.
dl_install() {
    dl_timed "system packages" dl_install_debs "$@" || dl_die "installing Debian packages failed"
    dl_timed "virtualenv" dl_ensure_venv || dl_die "creating .venv failed"
    dl_timed "front end (npm ci, build)" dl_build_js || dl_die "building js/ failed"
    dl_timed "pip install -e .[dev]" dl_pip_install || dl_die "pip install failed"
    export VIRTUAL_ENV="$DL_VENV"
    export PATH="$DL_VENV/bin:$PATH"
}
