#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# manager/openapi.yaml is in step with the route table: every "METHOD PATH" of
# `lxmanagerd --dump-routes` is an operation of the OpenAPI document and the other way round;
# the document is valid YAML, OpenAPI 3.0, every $ref resolves, and every {param} of a path is
# declared as a path parameter of its operations. Needs no root.
. "$(dirname "$0")/lib.sh"

: "${MGR_BIN:=$LXT_DIR/../../build/manager/lxmanagerd}"
SPEC=${MGR_OPENAPI:-$LXT_DIR/../../manager/openapi.yaml}
[ -x "$MGR_BIN" ] || lxt_skip "lxmanagerd '$MGR_BIN' is not built"
"$LXT_PY" -c 'import yaml' 2>/dev/null || lxt_skip "python3-yaml is not installed"

routes=$("$MGR_BIN" --dump-routes)
lxt_num "$(wc -l <<<"$routes")" -gt 20 "lxmanagerd --dump-routes lists the routes"

tmp=$(mktemp -d /tmp/lxkit-test-$$-openapi-XXXX)
LXT_TMPDIRS+=("$tmp")
printf '%s\n' "$routes" >"$tmp/routes"
out=$("$LXT_PY" - "$SPEC" "$tmp/routes" 2>&1 <<'PY'
import re, sys, yaml

doc = yaml.safe_load(open(sys.argv[1]))
routes = {tuple(l.split(' ', 1)) for l in open(sys.argv[2]).read().splitlines() if l.strip()}
problems = []
if not str(doc.get('openapi', '')).startswith('3.0'):
    problems.append('openapi version is not 3.0.x')
ops = set()
for path, item in doc.get('paths', {}).items():
    for method, op in item.items():
        if method not in ('get', 'put', 'patch', 'post', 'delete'):
            continue
        ops.add((method.upper(), path))
        if not op.get('responses'):
            problems.append(f'{method.upper()} {path}: no responses')
        declared = set()
        for p in op.get('parameters', []):
            if '$ref' in p:
                p = doc['components']['parameters'][p['$ref'].rsplit('/', 1)[1]]
            if p.get('in') == 'path':
                declared.add(p['name'])
        for name in re.findall(r'\{([^}]+)\}', path):
            if name not in declared:
                problems.append(f'{method.upper()} {path}: path parameter {name} not declared')

def refs(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == '$ref':
                yield v
            else:
                yield from refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs(v)

for ref in refs(doc):
    cur = doc
    for part in ref.lstrip('#/').split('/'):
        cur = cur.get(part) if isinstance(cur, dict) else None
    if cur is None:
        problems.append(f'$ref {ref} does not resolve')
for m, p in sorted(routes - ops):
    problems.append(f'route {m} {p} is missing from openapi.yaml')
for m, p in sorted(ops - routes):
    problems.append(f'openapi.yaml has {m} {p}, which is no route')
print(f'{len(ops)} operations, {len(routes)} routes')
for p in problems:
    print('PROBLEM ' + p)
PY
)
lxt_diag "$out"
lxt_match "$out" "^[0-9]+ operations" "openapi.yaml parses as YAML"
lxt_is "$(grep -c '^PROBLEM' <<<"$out")" 0 "openapi.yaml and the route table agree; refs and path parameters are complete"
lxt_done
