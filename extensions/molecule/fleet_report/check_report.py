#!/usr/bin/env python
# Reads the three report files and prints {format: {cluster: outcome}} as JSON after validating them:
# the JSON file against the schema, the JUnit file by parsing it. Usage: check_report.py DIR BASENAME SCHEMA
"""Cross-check the three report files of the fleet_report scenario."""
import json
import re
import sys
import xml.etree.ElementTree as ET

import jsonschema

directory, basename, schema_path = sys.argv[1:4]
with open('%s/%s.json' % (directory, basename)) as handle:
    report = json.load(handle)
with open(schema_path) as handle:
    jsonschema.validate(report, json.load(handle))
junit = {}
rank = {'passed': 0, 'not_run': 1, 'failed': 2, 'error': 3}
for case in ET.parse('%s/%s.xml' % (directory, basename)).getroot().iter('testcase'):
    # classname wabiz.onprem.<check>.<cluster>; one case per finding code: the cluster's outcome is its worst case
    check, cluster = case.get('classname')[len('wabiz.onprem.'):].split('.', 1)
    kinds = [child.tag for child in case if child.tag in ('failure', 'error', 'skipped')]
    outcome = {'failure': 'failed', 'error': 'error', 'skipped': 'not_run'}.get(kinds[0] if kinds else None, 'passed')
    key = '%s/%s' % (check, cluster)
    if rank[outcome] >= rank[junit.get(key, 'passed')]:
        junit[key] = outcome
markdown = {}
marks = {'PASS': 'passed', 'FAIL': 'failed', 'ERROR': 'error', 'NOT RUN': 'not_run'}
with open('%s/%s.md' % (directory, basename)) as handle:
    for line in handle:
        match = re.match(r'^\| (\S+) \| `(\w+)` \| \*\*([A-Z ]+)\*\* \|', line)
        if match:
            markdown['%s/%s' % (match.group(2), match.group(1).replace('\\', ''))] = marks[match.group(3)]
text = open('%s/%s.json' % (directory, basename)).read() + open('%s/%s.md' % (directory, basename)).read() \
    + open('%s/%s.xml' % (directory, basename)).read()
print(json.dumps({
    'json': dict(('%s/%s' % (r['check'], r['cluster']), r['outcome']) for r in report['results']),
    'junit': junit,
    'markdown': markdown,
    'secrets': [secret for secret in ('Adm1n!pass', 's3cr3t-db-pass') if secret in text],
    'codes': dict((r['cluster'], sorted(set(f['code'] for f in r['blocking']))) for r in report['results']),
    'summary': report['summary'],
}))
