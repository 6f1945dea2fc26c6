# -*- coding: utf-8 -*-
# Copyright: (c) 2026, wabiz.onprem contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# FOR INTERNAL COLLECTION USE ONLY. The interfaces in this file are meant for use within the
# wabiz.onprem collection and may change at any time.

"""The fleet report as one self-contained HTML page (pure, stdlib only).

``render_html(report)`` -> str: inline CSS and JavaScript, no external asset (works offline, no request
leaves the page), every text from the report escaped. A fleet summary with a filter by outcome (and one by status), then one
row per cluster and check (sortable by any column) that opens on its findings, its nodes and its shard map,
and, when the report carries ``changes`` (``_report_diff``), what changed since the previous report.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re
from html import escape

OUTCOMES = ('failed', 'error', 'passed', 'not_run')
STATUSES = ('critical', 'error', 'warning', 'ok')
_LABEL = {'passed': 'PASS', 'failed': 'FAIL', 'error': 'ERROR', 'not_run': 'NOT RUN'}
_SURROGATES_RE = re.compile(u'[\ud800-\udfff]')
_UNITS = ('B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB')
UNBOUNDED = 2 ** 62

_CSS = u"""
:root { --fail: #b42318; --error: #9a3412; --pass: #067647; --skip: #475467; --warn: #b54708; --line: #e4e7ec; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #101828; margin: 0; background: #f9fafb; }
header { background: #101828; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 20px; }
header p { margin: 0; color: #d0d5dd; }
main { padding: 20px 28px 40px; max-width: 1400px; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 18px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 120px;
        cursor: pointer; font: inherit; text-align: left; }
.card b { display: block; font-size: 24px; }
.card[aria-pressed="true"] { outline: 2px solid #2e90fa; }
.card.failed b { color: var(--fail); } .card.error b { color: var(--error); }
.card.passed b { color: var(--pass); } .card.not_run b { color: var(--skip); }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: #f2f4f7; position: sticky; top: 0; cursor: pointer; user-select: none; white-space: nowrap; }
thead th[aria-sort="ascending"]::after { content: " \\25B2"; } thead th[aria-sort="descending"]::after { content: " \\25BC"; }
td.num, th.num { text-align: right; }
.badge { display: inline-block; border-radius: 10px; padding: 1px 9px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.failed { background: var(--fail); } .badge.error { background: var(--error); }
.badge.passed { background: var(--pass); } .badge.not_run { background: var(--skip); }
.sev-critical { color: var(--fail); font-weight: 600; } .sev-warning { color: var(--warn); font-weight: 600; }
tbody.cluster > tr.row { cursor: pointer; } tbody.cluster > tr.row:hover { background: #f5f8ff; }
tr.detail > td { background: #fcfcfd; padding: 10px 18px 16px; }
tr.detail h3 { font-size: 13px; margin: 12px 0 6px; text-transform: uppercase; letter-spacing: .04em; color: #475467; }
tr.detail table { font-size: 13px; } tr.detail table th { background: #f9fafb; cursor: default; position: static; }
.shards { display: flex; flex-wrap: wrap; gap: 6px; }
.shard { border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; background: #fff; }
.shard.bad { border-color: var(--fail); color: var(--fail); }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
.muted { color: #667085; } .hidden { display: none; }
.changes { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; margin-bottom: 18px; }
.changes h2 { font-size: 15px; margin: 4px 0 8px; } .new { color: var(--fail); } .cleared { color: var(--pass); }
footer { color: #667085; font-size: 12px; margin-top: 18px; }
"""

_JS = u"""
(function () {
  var table = document.getElementById('clusters');
  var cards = document.querySelectorAll('button.card');
  var status = document.getElementById('status');
  var active = 'all';
  function apply() {
    var shown = 0;
    table.querySelectorAll('tbody.cluster').forEach(function (body) {
      var visible = (active === 'all' || body.dataset.outcome === active) && (!status.value || body.dataset.status === status.value);
      body.classList.toggle('hidden', !visible);
      if (visible) { shown += 1; }
    });
    cards.forEach(function (card) { card.setAttribute('aria-pressed', String(card.dataset.filter === active)); });
    document.getElementById('shown').textContent = String(shown);
  }
  status.addEventListener('change', apply);
  cards.forEach(function (card) {
    card.addEventListener('click', function () { active = active === card.dataset.filter ? 'all' : card.dataset.filter; apply(); });
  });
  table.querySelectorAll('thead th').forEach(function (th, index) {
    th.addEventListener('click', function () {
      var ascending = th.getAttribute('aria-sort') !== 'ascending';
      table.querySelectorAll('thead th').forEach(function (other) { other.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
      var numeric = th.classList.contains('num');
      var bodies = Array.prototype.slice.call(table.querySelectorAll('tbody.cluster'));
      bodies.sort(function (a, b) {
        var x = a.rows[0].cells[index].dataset.key, y = b.rows[0].cells[index].dataset.key;
        var order = numeric ? Number(x) - Number(y) : x.localeCompare(y);
        return ascending ? order : -order;
      });
      bodies.forEach(function (body) { table.appendChild(body); });
    });
  });
  table.querySelectorAll('tr.row').forEach(function (row) {
    row.addEventListener('click', function () { row.nextElementSibling.classList.toggle('hidden'); });
  });
  apply();
}());
"""


def _e(value):
    """Escaped text of any value; None is a dash. Line breaks become character references: a text from the API
    never starts a line of the page."""
    if value is None or value == '':
        return u'-'
    text = escape(_SURROGATES_RE.sub(u'\ufffd', u'%s' % (value,)), quote=True)
    return text.replace(u'\r', u'&#13;').replace(u'\n', u'&#10;')


def _size(value):
    if value is None:
        return u'-'
    if value >= UNBOUNDED:
        return u'unbounded'
    size = float(value)
    for unit in _UNITS:
        if size < 1024 or unit == _UNITS[-1]:
            return u'%d B' % value if unit == 'B' else u'%.1f %s' % (size, unit)
        size /= 1024.0
    return u'-'


def _findings_table(result):
    if not result['findings']:
        return u'<p class="muted">%s</p>' % ('No findings.' if result['outcome'] in ('passed', 'failed') else _e(result['message']))
    blocking = set((f['code'], f['node'], f['message']) for f in result['blocking'])
    rows = [u'<tr><td class="sev-%s">%s</td><td>%s</td><td><code>%s</code></td><td>%s</td><td>%s</td></tr>' % (
        _e(f['severity']), _e(f['severity']), 'yes' if (f['code'], f['node'], f['message']) in blocking else 'no',
        _e(f['code']), _e(f['node'] or 'cluster'), _e(f['message'])) for f in result['findings']]
    return (u'<table><thead><tr><th>Severity</th><th>Blocking</th><th>Code</th><th>Node</th><th>Message</th></tr></thead>'
            u'<tbody>%s</tbody></table>' % ''.join(rows))


def _nodes_html(nodes):
    if not nodes:
        return u''
    owners = {}
    for node in nodes:
        for shard in node['shards']:
            owners.setdefault(shard, []).append(node['name'])
    shards = u''.join(u'<span class="shard%s">%s: %s</span>' % (
        ' bad' if len(owners[shard]) != 1 else '', 'control' if shard == -1 else 'shard %d' % shard,
        _e(', '.join(owners[shard]))) for shard in sorted(owners))
    rows = u''.join(
        u'<tr><td><code>%s</code></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (
            _e(node['name']), _e(node['role']), _e(', '.join(str(shard) for shard in node['shards']) or None),
            _e(node['socket_conn']), _e(node['version']), _e(node['expire_timestamp']),
            _size(node['free_space'].get('data')), _size(node['free_space'].get('logs'))) for node in nodes)
    return (u'<h3>Shard map</h3><div class="shards">%s</div><h3>Nodes</h3><table><thead><tr><th>Node</th><th>Role</th>'
            u'<th>Shards</th><th>Link</th><th>Version</th><th>Build expiry</th><th>Free data</th><th>Free logs</th></tr></thead>'
            u'<tbody>%s</tbody></table>' % (shards or u'<span class="muted">no shard owned</span>', rows))


def _cluster_body(result):
    cells = [
        (result['cluster'], _e(result['cluster'])),
        (result['check'], _e(result['check'].replace('_', ' '))),
        (str(OUTCOMES.index(result['outcome'])), u'<span class="badge %s">%s</span>' % (result['outcome'], _LABEL[result['outcome']])),
        (result['status'] or '', _e(result['status'])),
        (result['topology'] or '', _e(result['topology'])),
        (str(len(result['blocking'])), str(len(result['blocking']))),
        (str(len(result['findings'])), str(len(result['findings']))),
        (result['checked_at'] or '', _e(result['checked_at'])),
    ]
    row = u''.join(u'<td%s data-key="%s">%s</td>' % (' class="num"' if index in (5, 6) else '', _e(key) if key else '', html)
                   for index, (key, html) in enumerate(cells))
    detail = []
    if result['url']:
        detail.append(u'<p>Endpoint <code>%s</code></p>' % _e(result['url']))
    if result['error']:
        detail.append(u'<p class="sev-critical">Error <code>%s</code>: %s</p>' % (
            _e(result['error'].get('code')), _e(result['error'].get('message'))))
    detail.append(u'<h3>Findings</h3>' + _findings_table(result))
    detail.append(_nodes_html(result.get('nodes')))
    return (u'<tbody class="cluster" data-outcome="%s" data-status="%s" data-cluster="%s"><tr class="row">%s</tr>'
            u'<tr class="detail hidden"><td colspan="8">%s</td></tr></tbody>' % (
                result['outcome'], _e(result['status'] or ''), _e(result['cluster']), row, ''.join(detail)))


def _changes_html(changes):
    if not changes:
        return u''
    items = []
    for change in changes.get('clusters') or []:
        parts = [u'%s %s: %s &rarr; %s' % (_e(change['cluster']), _e(change['check'].replace('_', ' ')),
                                           _e(change.get('previous_outcome') or 'absent'), _e(change.get('outcome') or 'absent'))]
        parts += [u'<span class="new">new [%s] %s (%s)</span>' % (_e(f['severity']), _e(f['code']), _e(f['node'] or 'cluster'))
                  for f in change.get('new') or []]
        parts += [u'<span class="cleared">cleared [%s] %s (%s)</span>' % (_e(f['severity']), _e(f['code']), _e(f['node'] or 'cluster'))
                  for f in change.get('cleared') or []]
        items.append(u'<li>%s</li>' % '; '.join(parts))
    body = u'<ul>%s</ul>' % ''.join(items) if items else u'<p class="muted">No finding appeared or cleared.</p>'
    return u'<section class="changes" id="changes"><h2>Since the previous report (%s)</h2>%s</section>' % (
        _e(changes.get('previous_generated_at')), body)


def render_html(report):
    """The report as one HTML page; see the module docstring."""
    summary = report['summary']
    cards = [u'<button type="button" class="card all" data-filter="all"><b>%d</b>all results</button>' % summary['results']]
    cards += [u'<button type="button" class="card %s" data-filter="%s"><b>%d</b>%s</button>' % (
        outcome, outcome, summary.get(outcome, 0), _LABEL[outcome].lower()) for outcome in OUTCOMES]
    heads = [('Cluster', ''), ('Check', ''), ('Outcome', ''), ('Status', ''), ('Topology', ''), ('Blocking', 'num'),
             ('Findings', 'num'), ('Checked at', '')]
    return u''.join([
        u'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        u'<meta name="viewport" content="width=device-width, initial-scale=1">',
        u'<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        u'script-src \'unsafe-inline\'">',
        u'<title>%s</title><style>%s</style></head><body>' % (_e(report['title']), _CSS),
        u'<header><h1>%s</h1><p>Generated %s &middot; verdict <b>%s</b> &middot; %d result(s) over %d cluster(s)</p></header>' % (
            _e(report['title']), _e(report['generated_at']), _e(summary['verdict'].upper().replace('_', ' ')),
            summary['results'], summary['clusters']),
        u'<main><div class="cards" role="group" aria-label="Filter by outcome">%s</div>' % ''.join(cards),
        _changes_html(report.get('changes')),
        u'<p class="muted"><label>Status <select id="status"><option value="">any</option>%s</select></label> &middot; '
        u'<span id="shown">%d</span> shown. Click a column to sort, a row for its findings, nodes and shard map.</p>' % (
            ''.join(u'<option value="%s">%s</option>' % (status, status) for status in STATUSES), summary['results']),
        u'<table id="clusters"><thead><tr>%s</tr></thead>' % ''.join(
            u'<th%s>%s</th>' % (' class="num"' if css else '', name) for name, css in heads),
        u''.join(_cluster_body(result) for result in report['results']),
        u'</table><footer>wabiz.onprem report fingerprint %s</footer></main>' % _e(report['fingerprint']),
        u'<script>%s</script></body></html>\n' % _JS,
    ])
