#!/usr/bin/env bash
# wabiz.onprem test driver (used by `make test` and `.ci/run`).
#
# usage: hacking/test.sh [STAGE...]     (default: all)
#   stages: setup sanity (= sanity-2.21 + sanity-2.20) sanity-2.21 sanity-2.20 pytest urllib3-1 molecule lint build
#           changelog galaxy ee docs  (these three use .venv-tools, requirements-tools.txt, made by setup when asked for)
#   `setup` (venvs, symlink farm, interpreter dir, ansible-test pip seed, shellcheck) always runs first.
# Every stage is timed and logged to tests/output/ci/<stage>.log; a failing stage does not stop the others.
# Ends with a stage table and, as the very last line:  ci: N passed, N failed, N skipped
# Counting: ansible-test sanity junit cases (one per sanity test; skipped tests as skipped) + pytest junit
# cases + one case per molecule scenario (each run as `molecule test -s X`) + one case each for lint, build,
# changelog, galaxy, ee, docs.  A stage with nothing to do prints "nothing to run" and counts as one skipped case.
# Exit code 1 if anything failed.
#
# Environment: VERBOSE=1 streams stage output to the console too; TAIL=N lines of a failed stage's log (30).
# Tests get: ANSIBLE_COLLECTIONS_PATH=<repo>/.build/collections (symlink farm -> live tree),
#   PYTHONPATH=<repo>/.build/collections:<repo>/tests/simulator (pytest),
#   ANSIBLE_PYTHON_INTERPRETER=<repo>/.venv/bin/python (pyenv shims break interpreter discovery),
#   PATH starting with <repo>/.build/pybin (real pyenv interpreters python3.8..3.13) and <repo>/.venv/bin.
set -uo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
NS=wabiz
NAME=onprem
OUT=$REPO/tests/output/ci
VENV=$REPO/.venv
VENV220=$REPO/.venv-2.20
VENVTOOLS=$REPO/.venv-tools
PYBIN=$REPO/.build/pybin
COLLECTIONS=$REPO/.build/collections
TAIL=${TAIL:-30}
ALL_STAGES=(sanity-2.21 sanity-2.20 pytest urllib3-1 molecule lint build changelog galaxy ee docs)
URLLIB3_1=$REPO/.build/urllib3-1

export NO_COLOR=1 PY_COLORS=0 ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 TERM=${TERM:-dumb}
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1
export ANSIBLE_COLLECTIONS_PATH=$COLLECTIONS
export ANSIBLE_PYTHON_INTERPRETER=$VENV/bin/python
unset PYTHONPATH VIRTUAL_ENV

# ---------------------------------------------------------------- arguments
stages=()
for arg in "${@:-all}"; do
  case $arg in
    all) stages+=("${ALL_STAGES[@]}") ;;
    sanity) stages+=(sanity-2.21 sanity-2.20) ;;
    units) stages+=(pytest) ;;
    setup) ;;
    sanity-2.21|sanity-2.20|pytest|urllib3-1|molecule|lint|build|changelog|galaxy|ee|docs) stages+=("$arg") ;;
    -h|--help) sed -n '2,/^set -uo/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown stage '$arg' (see --help)" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wabiz-onprem-test.XXXXXX")
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$OUT/junit"

declare -A STATUS=() SECS=()
ORDER=()
T0=$SECONDS

log() { echo ">>> $*"; }

# run_stage NAME FUNCTION: rc 0 = pass, 3 = nothing to run (skip), anything else = fail
run_stage() {
  local name=$1 fn=$2 t=$SECONDS rc logf=$OUT/$1.log
  rm -rf "$OUT/junit/$name"; mkdir -p "$OUT/junit/$name"
  log "[$name] start (log: ${logf#"$REPO"/})"
  if [ "${VERBOSE:-0}" = 1 ]; then
    ( "$fn" "$name" ) 2>&1 </dev/null | tee "$logf"; rc=${PIPESTATUS[0]}
  else
    ( "$fn" "$name" ) >"$logf" 2>&1 </dev/null; rc=$?
  fi
  SECS[$name]=$((SECONDS - t)); ORDER+=("$name")
  case $rc in
    0) STATUS[$name]=pass ;;
    3) STATUS[$name]=skip; log "[$name] $(grep -m1 'nothing to run' "$logf" || echo 'nothing to run')" ;;
    *) STATUS[$name]=FAIL
       echo "----- [$name] FAILED (rc $rc); error lines, then the last $TAIL lines of ${logf#"$REPO"/}:"
       grep -E '^(ERROR|FATAL|FAILED|E  )|\[ERROR\]|^fatal:|failed=[1-9]|Traceback' "$logf" | head -n 40 | sed "s/^/  [$name] ! /"
       tail -n "$TAIL" "$logf" | sed "s/^/  [$name] /"
       echo "----- end of [$name]" ;;
  esac
  log "[$name] ${STATUS[$name]} (${SECS[$name]} s)"
}

# ---------------------------------------------------------------- setup
# pip version ansible-test wants for its venvs (read from the installed ansible-test)
seed_get_pip() {
  local py=$1 pipv cache=$HOME/.ansible/test/cache
  pipv=$("$py" - <<'PY'
import pathlib, re, ansible_test
src = (pathlib.Path(ansible_test.__file__).parent / '_internal/python_requirements.py').read_text()
print(re.search(r"pip='([0-9.]+)'", src).group(1))
PY
) || return 1
  mkdir -p "$cache"
  if [ ! -f "$cache/pip-$pipv-py3-none-any.whl" ]; then
    "$py" -m pip download -q --no-deps -d "$cache" "pip==$pipv" || return 1
  fi
  # ci-files.testing.ansible.com is unreachable: a stand-in get-pip that installs pip from the PyPI wheel
  cat > "$cache/get_pip_${pipv//./_}.py" <<PYEOF
import os, sys
WHEEL = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pip-$pipv-py3-none-any.whl')
sys.path.insert(0, WHEEL)
from pip._internal.cli.main import main
sys.exit(main(['install', '--upgrade', '--force-reinstall', '--find-links', os.path.dirname(WHEEL)]
              + [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]))
PYEOF
  echo "seeded ansible-test get-pip for pip $pipv ($($py -c 'import ansible; print("ansible-core", ansible.__version__)' 2>/dev/null))"
}

stage_setup() {
  local exe root
  make -s --no-print-directory venv-main collection || return 1
  if [ "$NEED220" = 1 ]; then make -s --no-print-directory venv-2.20 || return 1; fi
  if [ "$NEEDTOOLS" = 1 ]; then make -s --no-print-directory venv-tools || return 1; fi
  # real interpreters ahead of the broken pyenv shims (they exit 127 for non-global versions)
  mkdir -p "$PYBIN"   # (no rm -rf: another test.sh may be using it right now)
  root=$("$REPO/hacking/find-python.sh" --pyenv-root) || echo "WARNING: no pyenv root found; target Pythons from PATH only"
  for exe in "$root"/versions/3.*/bin/python3.[0-9]*; do
    case $exe in *-config|*.py|*m) continue ;; esac
    [ -x "$exe" ] && [ "$(readlink "$PYBIN/${exe##*/}")" != "$exe" ] && ln -sfn "$exe" "$PYBIN/${exe##*/}"
  done
  echo "target interpreters:" "$PYBIN"/*
  seed_get_pip "$VENV/bin/python" || return 1
  if [ "$NEED220" = 1 ]; then seed_get_pip "$VENV220/bin/python" || return 1; fi
  # install the shellcheck tool for ansible-test's shellcheck sanity test (apt; skipped by ansible-test if absent)
  if ! command -v shellcheck >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null \
     && [ "${WABIZ_NO_APT:-0}" != 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    timeout 120 apt-get install -y -q shellcheck >/dev/null 2>&1 \
      || { timeout 120 apt-get update -q >/dev/null 2>&1 && timeout 120 apt-get install -y -q shellcheck >/dev/null 2>&1; } \
      || echo "WARNING: could not install shellcheck; ansible-test will skip the shellcheck sanity test"
  fi
  command -v shellcheck >/dev/null && echo "shellcheck: $(shellcheck --version | sed -n 2p)"
  # Debian's chromium for the HTML report test (tests/integration/test_html_report.py, driven by playwright; playwright
  # never downloads a browser here). Without apt the test fails and says how to install it.
  if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && [ "${WABIZ_NO_APT:-0}" != 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    timeout 300 apt-get install -y -q chromium >/dev/null 2>&1 \
      || { timeout 120 apt-get update -q >/dev/null 2>&1 && timeout 300 apt-get install -y -q chromium >/dev/null 2>&1; } \
      || echo "WARNING: could not install chromium; tests/integration/test_html_report.py will fail"
  fi
  if [ -x /usr/bin/chromium ]; then echo "chromium: $(/usr/bin/chromium --version 2>/dev/null)"
  else echo "WARNING: /usr/bin/chromium missing (apt-get install chromium as root); the HTML report test will fail"; fi
  return 0
}

# ---------------------------------------------------------------- stages
copy_tree() {  # copy tracked + untracked-not-ignored files to $1/ansible_collections/NS/NAME
  local dest=$1/ansible_collections/$NS/$NAME
  mkdir -p "$dest"
  if git -C "$REPO" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$REPO" ls-files -z -co --exclude-standard | tar --null --ignore-failed-read -T - -cf - | tar -xf - -C "$dest"
  else
    tar --exclude=./.git --exclude='./.venv*' --exclude=./.build --exclude=./tests/output --exclude=./.ansible \
      --exclude=./collections -cf - . | tar -xf - -C "$dest"
  fi
  echo "$dest"
}

sanity_with() {  # sanity_with STAGE VENV
  local name=$1 venv=$2 dest rc skip=()
  dest=$(copy_tree "$WORK/$name") || return 1
  command -v shellcheck >/dev/null || { skip=(--skip-test shellcheck); echo "shellcheck not installed: --skip-test shellcheck"; }
  cd "$dest" || return 1
  echo "ansible-test $("$venv/bin/ansible-test" --version) in $dest"
  PATH="$PYBIN:$venv/bin:$PATH" "$venv/bin/ansible-test" sanity --junit --color no "${skip[@]}"
  rc=$?
  cp tests/output/junit/*.xml "$OUT/junit/$name/" 2>/dev/null
  return $rc
}
stage_sanity_221() { sanity_with "$1" "$VENV"; }
stage_sanity_220() { sanity_with "$1" "$VENV220"; }

stage_pytest() {
  local dirs=() d rc
  for d in tests/unit tests/simulator tests/integration; do
    [ -d "$d" ] || continue
    find "$d" -path tests/integration/targets -prune -o \( -name 'test_*.py' -o -name '*_test.py' \) -print | grep -q . && dirs+=("$d")
  done
  if [ ${#dirs[@]} -eq 0 ]; then echo "nothing to run: no test_*.py in tests/unit, tests/simulator, tests/integration"; return 3; fi
  PATH="$PYBIN:$VENV/bin:$PATH" PYTHONPATH="$COLLECTIONS:$REPO/tests/simulator" \
    "$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider --junitxml="$OUT/junit/$1/pytest.xml" "${dirs[@]}"
  rc=$?
  if [ $rc -eq 5 ]; then echo "pytest: no tests collected (rc 5) - not a failure"; return 3; fi
  return $rc
}

# The client, the modules and the inventory once more on urllib3 1.26 (the oldest the collection supports): the
# client branches on the urllib3 line (_client.URLLIB3_1), and 1.26 took a bug of its own that 2.x hid.
stage_urllib3_1() {
  if ! cmp -s requirements-urllib3-1.txt "$URLLIB3_1/.requirements"; then
    rm -rf "$URLLIB3_1"
    "$VENV/bin/python" -m pip install -q --target "$URLLIB3_1" -r requirements-urllib3-1.txt || return 1
    cp requirements-urllib3-1.txt "$URLLIB3_1/.requirements"
  fi
  export PATH="$PYBIN:$VENV/bin:$PATH" PYTHONPATH="$URLLIB3_1:$COLLECTIONS:$REPO/tests/simulator"
  "$VENV/bin/python" -c 'import sys, urllib3; print("urllib3", urllib3.__version__); sys.exit(not urllib3.__version__.startswith("1."))' || return 1
  "$VENV/bin/python" -m pytest -n 2 -p no:cacheprovider --junitxml="$OUT/junit/$1/pytest.xml" \
    tests/unit/plugins/module_utils/test_client.py tests/unit/plugins/module_utils/test_client_env.py \
    tests/unit/plugins/module_utils/test_pins_client.py tests/unit/plugins/module_utils/test_connection.py \
    tests/integration/test_support_info.py tests/integration/test_hostile.py tests/integration/test_inventory.py
}

stage_molecule() {  # one `molecule test -s X` per scenario, so a failing scenario does not hide the others
  local rc=0 ran=0 role scen res=$OUT/junit/$1/scenarios.txt
  export PATH="$PYBIN:$VENV/bin:$PATH"   # molecule needs ansible-config etc. on PATH
  : >"$res"
  for scen in extensions/molecule/*/molecule.yml roles/*/molecule/*/molecule.yml; do
    [ -f "$scen" ] || continue
    ran=1
    role=${scen%%/molecule/*}; scen=${scen%/molecule.yml}; scen=${scen##*/}
    case $role in
      extensions) echo "=== molecule test -s $scen (extensions/molecule)"
                  if molecule test -s "$scen"; then echo "$scen pass" >>"$res"; else echo "$scen fail" >>"$res"; rc=1; fi ;;
      *) echo "=== molecule test -s $scen ($role)"
         if (cd "$role" && molecule test -s "$scen"); then echo "$role:$scen pass" >>"$res"; else echo "$role:$scen fail" >>"$res"; rc=1; fi ;;
    esac
  done
  [ $ran = 1 ] || { echo "nothing to run: no extensions/molecule/*/molecule.yml or roles/*/molecule/*/molecule.yml"; return 3; }
  echo "=== molecule results:"; cat "$res"
  return $rc
}

stage_lint() {
  PATH="$VENV/bin:$PATH" ansible-lint
}

stage_build() {
  local dist=$WORK/dist inst=$WORK/installed tarball
  export PATH="$VENV/bin:$PATH"
  rm -rf "$dist" "$inst"
  ansible-galaxy collection build --force --output-path "$dist" || return 1
  tarball=$(ls "$dist/$NS-$NAME-"*.tar.gz) || return 1
  echo "=== contents of $(basename "$tarball"):"; tar -tzf "$tarball" | sort | sed 's/^/  /'
  ansible-galaxy collection install --force -p "$inst" "$tarball" || return 1
  mkdir -p "$REPO/.build/dist" && cp "$tarball" "$REPO/.build/dist/"
  echo "=== ansible-doc of every plugin and role (installed copy)"
  python "$REPO/hacking/check_docs.py" "$inst" "$NS.$NAME"
}

stage_changelog() {
  local tool
  [ -f changelogs/config.yaml ] || { echo "nothing to run: no changelogs/config.yaml"; return 3; }
  # antsibull-changelog is installed by ansible-test's changelog sanity test; no extra dependency here
  tool=$(command -v antsibull-changelog || find "$HOME/.ansible/test/venv" -path '*sanity.changelog*' -name antsibull-changelog -type f 2>/dev/null | head -1)
  [ -n "$tool" ] || { [ -x "$VENVTOOLS/bin/antsibull-changelog" ] && tool=$VENVTOOLS/bin/antsibull-changelog; }   # .venv-tools pins it
  [ -n "$tool" ] || { echo "nothing to run: antsibull-changelog not found (the sanity stage and .venv-tools install it)"; return 3; }
  echo "using $tool"
  "$tool" lint -v && "$tool" lint-changelog-yaml changelogs/changelog.yaml
}

# The collection tarball as `ansible-galaxy collection build` makes it from the tree: build_tarball DIR -> its path
build_tarball() {
  local src dist=$1/dist
  src=$(copy_tree "$1/src") || return 1
  (cd "$src" && "$VENVTOOLS/bin/ansible-galaxy" collection build --force --output-path "$dist" >&2) || return 1
  ls "$dist/$NS-$NAME-"*.tar.gz
}

# Galaxy requires `repository`; galaxy.yml has none while the project has no public repository, so the import
# check runs on a tarball with this stand-in (the .invalid domain can never resolve) and says so.
GALAXY_REPOSITORY=${GALAXY_REPOSITORY:-https://example.invalid/wabiz/onprem}

stage_galaxy() {  # role READMEs generated from the argument specs; tarball holds no dev file; galaxy-importer
  local src tarball dev rc
  export PATH="$VENVTOOLS/bin:$PATH"
  echo "=== role READMEs vs meta/argument_specs.yml"
  python hacking/role_readmes.py --check || return 1
  src=$(copy_tree "$WORK/galaxy/src") || return 1
  if ! grep -q '^repository:' "$src/galaxy.yml"; then
    echo "NOTE: galaxy.yml has no repository (none is public yet) and Galaxy requires one: importing with $GALAXY_REPOSITORY"
    printf 'repository: %s\n' "$GALAXY_REPOSITORY" >>"$src/galaxy.yml"
  fi
  (cd "$src" && ansible-galaxy collection build --force --output-path "$WORK/galaxy/dist") || return 1
  tarball=$(ls "$WORK/galaxy/dist/$NS-$NAME-"*.tar.gz) || return 1
  echo "=== development files in $(basename "$tarball") (none expected)"
  dev=$(tar -tzf "$tarball" | grep -E '^(\.ansible-lint|\.ci/|\.gitignore|pytest\.ini|Makefile|requirements-|benchmarks/|hacking/|tests/|extensions/molecule/|roles/[^/]+/molecule/|changelogs/fragments/)')
  if [ -n "$dev" ]; then echo "$dev"; return 1; fi
  echo "=== galaxy-importer $(python -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))')"
  # its own HOME: the importer's ansible-lint installs the collection under ~/.ansible/collections, where it would
  # shadow the work tree for every later ansible-lint run on this machine
  mkdir -p "$WORK/galaxy/home"
  (cd "$WORK/galaxy/dist" && HOME=$WORK/galaxy/home python -m galaxy_importer.main "$(basename "$tarball")") 2>&1 | tee "$WORK/galaxy/importer.log"
  rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] && grep -q '^Importer processing completed successfully' "$WORK/galaxy/importer.log" \
    && ! grep -q '^ERROR' "$WORK/galaxy/importer.log"
}

stage_ee() {  # execution environment: introspection of the built collection, then the build context
  local tarball inst=$WORK/ee/installed ctx=$WORK/ee/context deps
  export PATH="$VENVTOOLS/bin:$PATH"
  tarball=$(build_tarball "$WORK/ee") || return 1
  ansible-galaxy collection install --force -p "$inst" "$tarball" 2>&1 | grep -v 'is not part of the configured' >&2
  echo "=== ansible-builder introspect --sanitize (installed $(basename "$tarball"))"
  deps=$(ansible-builder introspect --sanitize "$inst" 2>/dev/null) || return 1
  echo "$deps"
  # exactly one Python requirement, urllib3; no system package
  python - "$deps" <<'PY' || return 1
import sys, yaml
deps = yaml.safe_load(sys.argv[1].split('\n', 1)[1])
names = sorted(line.split('>=')[0].split()[0] for line in deps['python'])
if names != ['urllib3'] or deps['system']:
    sys.exit('EE requirements: expected python [urllib3] and no system package, got %r' % deps)
print('ok: python requirements %s, no system package' % names)
PY
  echo "=== ansible-builder create (build context only; no container engine here)"
  mkdir -p "$WORK/ee/def" && cp -r extensions/ee/. "$WORK/ee/def/" && cp "$tarball" "$WORK/ee/def/$NS-$NAME.tar.gz"
  ansible-builder create -f "$WORK/ee/def/execution-environment.yml" -c "$ctx" --output-filename Containerfile || return 1
  test -s "$ctx/_build/collections/$NS-$NAME.tar.gz" && grep -q 'ansible-galaxy collection install' "$ctx/Containerfile" \
    && echo "ok: $(find "$ctx" -type f | wc -l) files in the build context, the collection tarball included"
}

stage_docs() {  # extra docs up to date, antsibull-docs lint, the HTML site (docs/build/html), a trial changelog release
  local site=$WORK/docs/site copy version rc
  export PATH="$VENVTOOLS/bin:$PATH"
  echo "=== extra docs (docs/docsite/rst) vs docs/*.md"
  python hacking/extra_docs.py --check || return 1
  echo "=== antsibull-docs lint-collection-docs"
  antsibull-docs lint-collection-docs --plugin-docs --validate-collection-refs all --disallow-unknown-collection-refs . || return 1
  echo "=== antsibull-docs sphinx-init + build.sh (intersphinx needs the network: its warnings are expected here)"
  mkdir -p "$WORK/docs" && mkdir -m 700 "$site" || return 1
  antsibull-docs sphinx-init --use-current --lenient --dest-dir "$site" "$NS.$NAME" || return 1
  "$site/build.sh" || return 1
  rm -rf docs/build && mkdir -p docs/build && cp -r "$site/build/html" docs/build/html || return 1
  for page in index_module index_inventory index_filter index_role; do
    test -s "docs/build/html/collections/$page.html" || { echo "missing page collections/$page.html"; return 1; }
  done
  test -s "docs/build/html/collections/$NS/$NAME/docsite/data_model.html" || { echo "missing the data model extra doc"; return 1; }
  echo "ok: $(find docs/build/html -name '*.html' | wc -l) HTML pages in docs/build/html"
  echo "=== antsibull-changelog release (trial, in a copy: the version is not bumped)"
  copy=$(copy_tree "$WORK/docs/changelog") || return 1
  version=$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' galaxy.yml) || return 1
  (cd "$copy" && antsibull-changelog release --version "$version" --date 2026-01-01) || return 1
  rc=0
  grep -q "^v$version\$" "$copy/CHANGELOG.rst" || { echo "CHANGELOG.rst has no v$version section"; rc=1; }
  if ls "$copy"/changelogs/fragments/*.y*ml >/dev/null 2>&1; then echo "fragments left after the release"; rc=1; fi
  [ $rc = 0 ] && echo "ok: CHANGELOG.rst for v$version, $(grep -c '^- ' "$copy/CHANGELOG.rst") entries"
  return $rc
}

# ---------------------------------------------------------------- run
NEED220=0 NEEDTOOLS=0
for s in "${stages[@]}"; do
  case $s in sanity-2.20) NEED220=1 ;; galaxy|ee|docs) NEEDTOOLS=1 ;; esac
done
log "wabiz.onprem tests: stages: ${stages[*]:-(setup only)}"
run_stage setup stage_setup
if [ "${STATUS[setup]}" = pass ]; then
  for s in "${stages[@]}"; do
    case $s in
      sanity-2.21) run_stage "$s" stage_sanity_221 ;;
      sanity-2.20) run_stage "$s" stage_sanity_220 ;;
      urllib3-1) run_stage "$s" stage_urllib3_1 ;;
      *) run_stage "$s" "stage_$s" ;;
    esac
  done
else
  log "setup failed: other stages not run"
fi

# ---------------------------------------------------------------- summary
# The simulator's own tests (the junit cases of tests/simulator/) test the fake webapp, not the collection:
# they get their own line before the closing line, which counts everything.
echo
echo "stage          result    seconds  cases (passed/failed/skipped)"
total_p=0; total_f=0; total_s=0; anyfail=0; sim_p=0; sim_f=0; sim_s=0
for s in "${ORDER[@]}"; do
  read -r p f k sp sf sk < <(
    "$VENV/bin/python" - "$s" "${STATUS[$s]}" "$OUT/junit/$s" "$OUT/$s.log" 2>/dev/null <<'PY' || echo "0 1 0 0 0 0"
import glob, sys, xml.etree.ElementTree as ET
stage, status, junit_dir, logf = sys.argv[1:]
p = f = s = 0
sim = [0, 0, 0]   # passed, failed, skipped among the cases above that are the simulator's own tests
if stage.startswith('sanity') or stage in ('pytest', 'urllib3-1'):
    for path in glob.glob(junit_dir + '/*.xml'):
        for tc in ET.parse(path).iter('testcase'):
            if tc.find('failure') is not None or tc.find('error') is not None: f += 1; kind = 1
            elif tc.find('skipped') is not None: s += 1; kind = 2
            else: p += 1; kind = 0
            if stage == 'pytest' and (tc.get('classname') or '').startswith('tests.simulator.'): sim[kind] += 1
elif stage == 'molecule' and status != 'skip':
    for line in open(junit_dir + '/scenarios.txt'):
        if line.split()[-1] == 'pass': p += 1
        else: f += 1
if stage == 'setup' and status == 'pass': pass   # not a test case
elif status == 'skip' and not (p or f or s): s = 1
elif status == 'pass' and not (p or f or s): p = 1
elif status == 'FAIL' and not f: f = 1   # a failure the junit/recap did not show
print(p, f, s, *sim)
PY
  )
  [ "${STATUS[$s]}" = FAIL ] && anyfail=1
  total_p=$((total_p + p)); total_f=$((total_f + f)); total_s=$((total_s + k))
  sim_p=$((sim_p + sp)); sim_f=$((sim_f + sf)); sim_s=$((sim_s + sk))
  printf '%-14s %-9s %7s  %s/%s/%s\n' "$s" "${STATUS[$s]}" "${SECS[$s]}" "$p" "$f" "$k"
done
printf '%-14s %-9s %7s\n' total "" "$((SECONDS - T0))"
[ $anyfail = 1 ] && echo "FAILED stages: $(for s in "${ORDER[@]}"; do [ "${STATUS[$s]}" = FAIL ] && printf '%s ' "$s"; done)(logs in ${OUT#"$REPO"/}/)"
[ $anyfail = 1 ] && [ $total_f = 0 ] && total_f=1
echo "collection: $((total_p - sim_p)) passed, $((total_f - sim_f)) failed, $((total_s - sim_s)) skipped"
echo "simulator: $sim_p passed, $sim_f failed, $sim_s skipped"
echo "ci: $total_p passed, $total_f failed, $total_s skipped"
[ $anyfail = 0 ] && [ "$total_f" = 0 ]
