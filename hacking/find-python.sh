#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter for the toolchain venvs (empty + rc 1 if none).
# `find-python.sh --pyenv-root` prints the pyenv root instead (empty + rc 1 if none).
# pyenv shims for non-global versions exit 127 here, so use the real binaries under versions/.
set -u
pyenv_root() {
  local cand p
  p=$(command -v pyenv 2>/dev/null) && p=$(dirname "$(dirname "$p")")
  for cand in "${PYENV_ROOT:-}" "$(pyenv root 2>/dev/null)" "$HOME/.pyenv" "$p" /root/.pyenv /opt/pyenv /usr/local/pyenv; do
    [ -n "$cand" ] && [ -d "$cand/versions" ] && { echo "$cand"; return 0; }
  done
  return 1
}
if [ "${1:-}" = --pyenv-root ]; then pyenv_root; exit; fi
if root=$(pyenv_root); then
  for py in $(printf '%s\n' "$root"/versions/3.12*/bin/python3 | sort -V -r); do
    if [ -x "$py" ] && "$py" -c 'import sys' 2>/dev/null; then echo "$py"; exit 0; fi
  done
fi
for py in python3.12 python3 python3.13; do
  p=$(command -v "$py" 2>/dev/null) || continue
  if "$p" -c 'import sys; sys.exit(sys.version_info[:2] < (3, 12))' 2>/dev/null; then echo "$p"; exit 0; fi
done
exit 1
