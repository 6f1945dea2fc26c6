#!/usr/bin/env bash
# make demo: start the bundled simulator fleet, build the fleet inventory, run the health gate playbook,
# explain the verdicts (JSON, Markdown, JUnit, HTML and Prometheus reports), show a wait gate riding out a failover,
# watch the fleet with the Event-Driven Ansible source (a shard owner goes down, then recovers), then stop the simulator.
# Needs .venv and the collection farm (the Makefile target prepares both).
set -uo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO" || exit 1
PY=${PY:-$REPO/.venv/bin/python}
BIN=$(dirname "$PY")
export ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-$REPO/.build/collections}
export ANSIBLE_PYTHON_INTERPRETER=$PY ANSIBLE_NOCOLOR=${ANSIBLE_NOCOLOR:-1} ANSIBLE_DEPRECATION_WARNINGS=false
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false ANSIBLE_RETRY_FILES_ENABLED=false
export ANSIBLE_DISPLAY_SKIPPED_HOSTS=false
FLEET=${FLEET:-$REPO/tests/simulator/fleets/demo.yml}
REPORT_DIR=${REPORT_DIR:-$REPO/.build/demo-report}
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/wabiz-demo.XXXXXX")
SIM_PID=

# shellcheck disable=SC2317  # called by the EXIT trap
stop() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null
    echo ">>> simulator stopped"
  fi
  rm -rf "$DEMO"
}
trap stop EXIT

say() { printf '\n=== %s\n' "$*"; }
fail() { printf '\ndemo: %s\n' "$*" >&2; exit 1; }

say "1. Start the webapp simulator with the bundled fleet ($(basename "$FLEET"))"
PYTHONPATH=$REPO/tests/simulator "$PY" -m wabiz_sim serve --fleet "$FLEET" --port 0 \
  --cert-dir "$DEMO/certs" --ready-file "$DEMO/ready.json" >"$DEMO/simulator.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 1 100); do [ -s "$DEMO/ready.json" ] && break; kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.1; done
[ -s "$DEMO/ready.json" ] || { cat "$DEMO/simulator.log"; fail "the simulator did not start"; }
SIM_URL=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["url"])' "$DEMO/ready.json")

# The fleet inventory: one entry per cluster. The password is not in the file: the plugin reads WABIZ_PASSWORD.
"$PY" - "$DEMO/ready.json" "$DEMO/demo.wabiz.yml" <<'PY'
import json, sys
ready = json.load(open(sys.argv[1]))
cache = sys.argv[2].rsplit('/', 1)[0] + '/inventory-cache'
lines = ['plugin: wabiz.onprem.support', 'username: admin', 'ca_path: %s' % ready['ca_path'],
         'cache: true', 'cache_plugin: ansible.builtin.jsonfile', 'cache_connection: %s' % cache, 'clusters:']
lines += ['  - {name: %s, url: "%s/%s"}' % (name, ready['url'], name) for name in ready['clusters']]
# one more cluster whose webapp is down (a closed port): it must land in wabiz_unreachable, not sink the fleet
import socket
sock = socket.socket()
sock.bind(('127.0.0.1', 0))
closed = sock.getsockname()[1]
sock.close()
lines.append('  - {name: dc-offline, url: "https://127.0.0.1:%d/dc-offline", retries: 0, timeout: 3}' % closed)
open(sys.argv[2], 'w').write('\n'.join(lines) + '\n')
print('    listening on %s, clusters: %s' % (ready['url'], ', '.join(ready['clusters'])))
PY
export WABIZ_PASSWORD='Adm1n!pass'
echo "    inventory file (no secret in it; the password comes from \$WABIZ_PASSWORD):"
sed 's/^/      /' "$DEMO/demo.wabiz.yml"

say "2. The fleet as Ansible sees it: clusters, nodes, role and shard groups (one concurrent read of the fleet, then cached)"
"$BIN/ansible-inventory" -i "$DEMO/demo.wabiz.yml" --graph || fail "ansible-inventory failed"
echo "    why dc-offline is in wabiz_unreachable (its wabiz_support.error):"
"$BIN/ansible-inventory" -i "$DEMO/demo.wabiz.yml" --host dc-offline 2>/dev/null \
  | "$PY" -c 'import json, sys; e = json.load(sys.stdin)["wabiz_support"]["error"]; print("      [%s] %s" % (e["code"], e["message"]))'

say "3. The health gate over every cluster (ansible-playbook wabiz.onprem.health_gate), from the cached inventory: no API call"
mkdir -p "$REPORT_DIR"
"$BIN/ansible-playbook" -i "$DEMO/demo.wabiz.yml" wabiz.onprem.health_gate -e "fleet_report_dir=$REPORT_DIR" \
  -e '{"fleet_report_formats": ["json", "markdown", "junit", "html", "prometheus"]}' \
  | tee "$DEMO/gate.log"
rc=${PIPESTATUS[0]}
case $rc in
  0|2) ;;
  *) fail "the health gate playbook broke (exit $rc), see above" ;;
esac
[ -s "$REPORT_DIR/wabiz-report.json" ] || fail "no report was written to $REPORT_DIR"

say "4. What this means"
"$PY" - "$REPORT_DIR/wabiz-report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
for result in report['results']:
    if result['outcome'] == 'passed':
        print('    GO    %-15s %s cluster: safe to go on%s' % (
            result['cluster'], result['topology'],
            ' (%d warning(s) below the gate)' % len(result['findings']) if result['findings'] else ''))
    elif result['outcome'] == 'error':
        print('    STOP  %-15s could not be checked: [%s] %s' % (result['cluster'], result['error']['code'], result['error']['message']))
    else:
        below = len(result['findings']) - len(result['blocking'])
        print('    STOP  %-15s %s cluster: %d reason(s) to stop%s:' % (
            result['cluster'], result['topology'], len(result['blocking']), ' and %d warning(s) below the gate' % below if below else ''))
        for finding in result['blocking'] + [f for f in result['findings'] if f not in result['blocking']]:
            print('            - %-8s %-22s %-26s %s' % (finding['severity'], finding['code'], finding['node'] or '(cluster)', finding['message']))
print()
print('    Every cluster was gated (the GO ones too), then the run failed once (exit code 2), its one message listing')
print('    each STOP cluster with its reason; the recap shows that failure on the host that wrote the report.')
print('    Every cluster was read once, by the inventory; the gate re-checked that data without calling the API again.')
PY
echo "    Reports (same verdicts in five formats):"
for ext in json md xml; do echo "      $REPORT_DIR/wabiz-report.$ext"; done
echo "      $REPORT_DIR/wabiz-report.html   (open it in a browser: filter by outcome, sort, click a cluster for its shard map)"
echo "      $REPORT_DIR/wabiz-report.prom   (node_exporter textfile collector; a few lines:)"
grep -E '^wabiz_(cluster_passed|cluster_build_expires_in_days)' "$REPORT_DIR/wabiz-report.prom" | head -6 | sed 's/^/        /'

say "5. Watch the fleet (Event-Driven Ansible source wabiz.onprem.support): a shard owner of mc-healthy goes down, then comes back"
echo "    (ansible-rulebook -r wabiz.onprem.watch_fleet runs the same source; here its main() is driven directly, 1 s polls)"
"$PY" - "${ANSIBLE_COLLECTIONS_PATH%%:*}/ansible_collections/wabiz/onprem/extensions/eda/plugins/event_source/support.py" "$SIM_URL" "$DEMO/certs/ca.pem" <<'PY' || fail "the watch did not see the sequence"
import asyncio, importlib.util, json, sys
import requests
path, url, ca = sys.argv[1:4]
spec = importlib.util.spec_from_file_location('wabiz_eda_support', path)
source = importlib.util.module_from_spec(spec)
spec.loader.exec_module(source)


def owner(state):
    requests.post('%s/__sim/clusters/mc-healthy' % url, json={'nodes': {'wacore1': {'socket_conn': state}}}, verify=ca,
                  timeout=10).raise_for_status()
    print('    -- simulator: wacore1 (owner of shard 0) is now %s' % state)


async def watch():
    queue = asyncio.Queue()
    args = {'clusters': [{'name': 'mc-healthy', 'url': '%s/mc-healthy' % url}], 'username': 'admin', 'ca_path': ca,
            'interval': 1, 'timeout': 5, 'retries': 0}
    task = asyncio.ensure_future(source.main(queue, args))
    try:
        for step in (lambda: owner('DN'), lambda: owner('UP'), None):
            event = await asyncio.wait_for(queue.get(), 30)
            print('    event: %s' % json.dumps(dict((key, event[key]) for key in ('cluster', 'status', 'passed', 'codes', 'previous_status'))))
            if step:
                await asyncio.to_thread(step)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

asyncio.run(watch())
PY
echo "    One event at start, one when the shard owner dropped (critical), one when it came back (ok, was critical)."
echo "    Report files: $REPORT_DIR/wabiz-report.html and $REPORT_DIR/wabiz-report.prom"

say "6. A wait gate riding out a failover: kill the shard owner of ha-healthy, gate until the standby took over"
sim_control() {  # POST a JSON body to the simulator's control API (a test tool, see tests/simulator/README.md)
  "$PY" -c 'import json, sys, requests; requests.post(sys.argv[1], json=json.loads(sys.argv[2]), verify=sys.argv[3], timeout=10).raise_for_status()' \
    "$SIM_URL/__sim/$1" "$2" "$DEMO/certs/ca.pem"
}
sim_control clusters/ha-healthy '{"unhealthy_interval": 6}' || fail "simulator control call failed"
sim_control clusters/ha-healthy/failover '{}' || fail "simulator control call failed"
echo "    wacore1 (owner of shards -1 and 0) is down; the standby takes over after 6 s"
"$BIN/ansible-playbook" -i "$DEMO/demo.wabiz.yml" wabiz.onprem.health_gate -e wabiz_hosts=ha-healthy \
  -e health_gate_refresh=true -e health_gate_wait_timeout=60 -e health_gate_wait_delay=2 \
  -e "fleet_report_dir=$DEMO/failover-report" >"$DEMO/wait.log" 2>&1
rc=$?
grep -E '"msg": ".*the health gate|^ha-healthy' "$DEMO/wait.log"
[ "$rc" = 0 ] || { tail -40 "$DEMO/wait.log"; fail "the wait gate did not pass (exit $rc)"; }
echo "    The gate polled (one login, every read in one session; the password again from \$WABIZ_PASSWORD) while the"
echo "    cluster had no shard owner, and let the change go on once it had one."
exit 0
