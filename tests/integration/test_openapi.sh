#!/usr/bin/env bash
# Keeps GET /api/v1/openapi.json and GET /metrics true (docs/api.md): starts
# `lanxang serve` on a free loopback port with a temporary --data directory and a
# fixed LANXANG_NOW, then checks with python3 (stdlib only) that
#  (a) the document has the structure of OpenAPI 3 (and every $ref resolves);
#  (b) every route of the route table (src/server/api.c) is a path of the document,
#      and every path and method of the document is answered (not 404/405);
#  (c) the live answers of the GET endpoints and of a booking made with POST validate
#      against the documented schemas (type, nullable, required, properties, items,
#      enum);
#  (d) /metrics parses as Prometheus text (every sample `name{labels} value`), every
#      route gets its own route label, and the counters grow with requests.
#
#   tests/integration/test_openapi.sh path/to/lanxang
set -euo pipefail

if [ $# -lt 1 ] || [ ! -x "$1" ]; then
    echo "usage: $0 path/to/lanxang" >&2
    exit 2
fi
BIN=$(realpath "$1")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
require_tools python3
test_init
server_start LANXANG_NOW=2026-12-19T10:00:00+07:00 --data "$TMP/data" -- --threads 4 --quiet

rc=0
python3 - "$SERVER_URL" "$SRC/src/server/api.c" <<'PY' || rc=$?
import json, re, sys, urllib.error, urllib.parse, urllib.request

base, api_c = sys.argv[1], sys.argv[2]
passed = failed = 0

def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
        print("ok   " + what)
    else:
        failed += 1
        print("FAIL " + what)

def http(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    rq = urllib.request.Request(base + path, data=data, method=method)
    try:
        with urllib.request.urlopen(rq, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()

# ---- (a) the document ----
st, hd, raw = http("GET", "/api/v1/openapi.json")
check(st == 200 and hd["Content-Type"].startswith("application/json"), "GET /api/v1/openapi.json is JSON")
doc = json.loads(raw)
check(isinstance(doc.get("openapi"), str) and doc["openapi"].startswith("3.0"), "openapi is 3.0.x")
check(isinstance(doc.get("info"), dict) and isinstance(doc["info"].get("title"), str)
      and isinstance(doc["info"].get("version"), str), "info has title and version")
check(isinstance(doc.get("paths"), dict) and doc["paths"], "paths is a non-empty object")
schemas = doc.get("components", {}).get("schemas", {})
for name in ("Station", "Train", "Offer", "Booking", "Error"):
    check(name in schemas, "components.schemas." + name)

def resolve(node):
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        node = doc
        for p in parts:
            node = node[p]
    return node

bad_refs = []
def walk(node):
    if isinstance(node, dict):
        if "$ref" in node:
            try:
                resolve(node)
            except (KeyError, TypeError):
                bad_refs.append(node["$ref"])
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(doc)
check(not bad_refs, "every $ref resolves %s" % bad_refs)

METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
struct_ok = True
for path, item in doc["paths"].items():
    if not path.startswith("/") or not isinstance(item, dict):
        struct_ok = False
        continue
    for m, op in item.items():
        if m not in METHODS or not isinstance(op.get("responses"), dict) or not op["responses"]:
            struct_ok = False
            continue
        for p in op.get("parameters", []):
            p = resolve(p)
            if p.get("in") not in ("query", "path", "header", "cookie") or "name" not in p:
                struct_ok = False
        declared = set(re.findall(r"{([^}]+)}", path))
        inpath = {resolve(p)["name"] for p in op.get("parameters", []) if resolve(p)["in"] == "path"}
        if declared != inpath:
            struct_ok = False
            print("  path parameters of %s %s: %s vs %s" % (m, path, declared, inpath))
        for code, r in op["responses"].items():
            r = resolve(r)
            if not (code == "default" or re.fullmatch(r"[1-5]\d\d", code)) or "description" not in r:
                struct_ok = False
check(struct_ok, "paths, operations, parameters and responses are well formed")

# ---- (b) the route table against the paths ----
src = open(api_c, encoding="utf-8").read()
table = src[src.index("routes[] = {"):]
table = table[:table.index("};")]
routes = re.findall(r'\{"([A-Z]+)",\s*"([^"]+)"', table)
check(len(routes) >= 10, "read %d routes from api.c" % len(routes))
def to_regex(p):
    return "^" + re.sub(r"\\{[^}]*\\}", "[^/]+", re.escape(p)) + "$"
doc_ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
for method, pattern in routes:
    found = any(m == method and re.match(to_regex(p), pattern.replace("{}", "x"))
                for m, p in doc_ops)
    check(found, "route %s %s is documented" % (method, pattern))
for method, path in sorted(doc_ops):
    found = any(m == method and re.match(to_regex(pat), path.replace("{", "").replace("}", ""))
                for m, pat in routes)
    check(found, "documented %s %s is in the route table" % (method, path))

DATE = "2026-12-20"
q = urllib.parse.quote
trip = "from=Vientiane&to=" + q("Luang Prabang") + "&date=" + DATE
BOOKED = [0]


def book():
    """A booking request with a document no other booking holds (one ticket per
    document per train and date)."""
    BOOKED[0] += 1
    return {"train": "C82", "date": DATE, "from": "Vientiane", "to": "Luang Prabang",
            "class": "second",
            "passengers": [{"name": "Somchai Phommachanh", "document": "P%03d4567" % BOOKED[0]}]}


def journey_book():
    """A journey booking request: D88 to Mohan, then D8816 to Kunming (issue 6)."""
    BOOKED[0] += 1
    leg = lambda train, a, b: {"train": train, "date": DATE, "from": a, "to": b, "class": "second"}
    return {"legs": [leg("D88", "Vientiane", "Mohan"), leg("D8816", "Mohan", "Kunming")],
            "passengers": [{"name": "Bounmy Vongsa", "document": "J%03d4567" % BOOKED[0],
                            "document_type": "passport"}]}


st, _, raw = http("POST", "/api/v1/bookings", book())
check(st == 201, "POST /api/v1/bookings holds a seat (%d)" % st)
booking = json.loads(raw)
bid = booking.get("id", "X")
fill = {"station": "vientiane", "train": "C82", "id": bid, "n": "1"}
# a waitlist request of its own (its paths take the request's id, not a booking's)
st, _, raw = http("POST", "/api/v1/waitlist", {
    "from": "Vientiane", "to": "Luang Prabang", "payment": "QR-openapi",
    "passengers": [{"name": "Noy Waiting", "document": "W0004567"}],
    "choices": [{"train": "C82", "date": DATE, "class": "second"}]})
check(st == 201, "POST /api/v1/waitlist makes a request (%d)" % st)
wid = json.loads(raw).get("id", "X")
query = {"/api/v1/stations/{station}/departures": "?date=" + DATE,
         "/api/v1/trains": "?" + trip, "/api/v1/offers": "?" + trip,
         "/api/v1/trains/{train}/timetable": "?date=" + DATE,
         "/api/v1/trains/{train}/seats": "?" + trip,
         "/api/v1/journeys": "?from=Vientiane&to=Kunming&date=%s&time=05:00" % DATE}
bodies = {"/api/v1/bookings": book(), "/api/v1/bookings/{id}/fulfillments": {},
          "/api/v1/gate/scan": {"payload": "x"}, "/api/v1/bookings/{id}/refund-offers": {},
          "/api/v1/bookings/{id}/refunds": {"refund_offer": "x"},
          "/api/v1/journey-bookings": journey_book(),
          "/api/v1/journey-bookings/{id}/fulfillments": {}}
# DELETE last, after GET and the fulfilment of another booking
for path, item in doc["paths"].items():
    for m in sorted(item, key=lambda m: m == "delete"):
        target = re.sub(r"{(\w+)}", lambda g: q(fill[g.group(1)]), path) + query.get(path, "")
        if path.startswith("/api/v1/waitlist/"):
            target = target.replace(q(bid), wid)
        body = bodies.get(path) if m in ("post", "put", "patch") else None
        if path.endswith("/{id}/fulfillments") or m == "delete":
            st2, _, raw2 = http("POST", "/api/v1/bookings", book())
            target = target.replace(q(bid), json.loads(raw2).get("id", "X"))
        st, _, _ = http(m.upper(), target, body)
        check(st not in (404, 405), "%s %s answers %d" % (m.upper(), target, st))

# ---- (c) live answers against the schemas ----
def validate(v, s, where):
    s = resolve(s)
    errs = []
    if v is None:
        return [] if s.get("nullable") else ["%s: null" % where]
    if "allOf" in s:
        for sub in s["allOf"]:
            errs += validate(v, sub, where)
        return errs
    t = s.get("type")
    types = {"object": dict, "array": list, "string": str, "boolean": bool}
    if t in types and not isinstance(v, types[t]):
        return ["%s: %r is not %s" % (where, v, t)]
    if t == "integer" and (not isinstance(v, int) or isinstance(v, bool)):
        return ["%s: %r is not integer" % (where, v)]
    if t == "number" and (not isinstance(v, (int, float)) or isinstance(v, bool)):
        return ["%s: %r is not number" % (where, v)]
    if "enum" in s and v not in s["enum"]:
        errs.append("%s: %r not in %s" % (where, v, s["enum"]))
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errs.append("%s: missing %s" % (where, k))
        props = s.get("properties", {})
        for k, sub in props.items():
            if k in v:
                errs += validate(v[k], sub, where + "." + k)
        if s.get("additionalProperties") is False:
            errs += ["%s: unknown %s" % (where, k) for k in v if k not in props]
    if isinstance(v, list) and "items" in s:
        for i, x in enumerate(v):
            errs += validate(x, s["items"], "%s[%d]" % (where, i))
    return errs

def live(method, path, target, status, body=None):
    st, hd, raw = http(method, target, body)
    op = doc["paths"][path][method.lower()]
    r = resolve(op["responses"].get(str(status), {}))
    schema = r.get("content", {}).get("application/json", {}).get("schema")
    if st != status or schema is None:
        check(False, "%s %s: %d (documented %d: %s)" % (method, target, st, status, schema is not None))
        return None
    v = json.loads(raw)
    errs = validate(v, schema, "$")
    check(not errs and (not isinstance(v, list) or v),
          "%s %s matches its schema %s" % (method, target, errs[:3]))
    return v

live("GET", "/healthz", "/healthz", 200)
live("GET", "/api/v1/healthz", "/api/v1/healthz", 200)
live("GET", "/api/v1/stations", "/api/v1/stations", 200)
live("GET", "/api/v1/stations", "/api/v1/stations?q=luang", 200)
live("GET", "/api/v1/stations/{station}", "/api/v1/stations/vientiane", 200)
live("GET", "/api/v1/stations/{station}/departures", "/api/v1/stations/vientiane/departures?date=" + DATE, 200)
live("GET", "/api/v1/trains", "/api/v1/trains?" + trip, 200)
live("GET", "/api/v1/trains/{train}/timetable", "/api/v1/trains/D88/timetable?date=" + DATE, 200)
live("GET", "/api/v1/feeds", "/api/v1/feeds", 200)
live("GET", "/api/v1/offers", "/api/v1/offers?" + trip, 200)
b = live("POST", "/api/v1/bookings", "/api/v1/bookings", 201, book())
if b:
    live("GET", "/api/v1/bookings/{id}", "/api/v1/bookings/" + b["id"], 200)
    live("POST", "/api/v1/bookings/{id}/fulfillments", "/api/v1/bookings/%s/fulfillments" % b["id"], 200, {})
    st, hd, raw = http("GET", "/api/v1/bookings/%s/tickets/1/qr.svg" % b["id"])
    check(st == 200 and hd["Content-Type"] == "image/svg+xml" and b"<svg" in raw[:300],
          "GET /api/v1/bookings/{id}/tickets/1/qr.svg is image/svg+xml (%d)" % st)
    o = live("POST", "/api/v1/bookings/{id}/refund-offers", "/api/v1/bookings/%s/refund-offers" % b["id"], 201, {})
    if o:
        live("POST", "/api/v1/bookings/{id}/refunds", "/api/v1/bookings/%s/refunds" % b["id"], 200,
             {"refund_offer": o["id"]})
journeys = "/api/v1/journeys?from=Vientiane&to=Kunming&date=%s&time=05:00" % DATE
live("GET", "/api/v1/journeys", journeys, 200)
live("GET", "/api/v1/journeys", journeys + "&class=second", 200)
live("GET", "/api/v1/journeys", journeys.replace("Kunming", "Nowhere"), 404)
jb = live("POST", "/api/v1/journey-bookings", "/api/v1/journey-bookings", 201, journey_book())
if jb:
    live("GET", "/api/v1/journey-bookings/{id}", "/api/v1/journey-bookings/" + jb["id"], 200)
    live("POST", "/api/v1/journey-bookings/{id}/fulfillments",
         "/api/v1/journey-bookings/%s/fulfillments" % jb["id"], 200, {})
jb = live("POST", "/api/v1/journey-bookings", "/api/v1/journey-bookings", 201, journey_book())
if jb:
    live("DELETE", "/api/v1/journey-bookings/{id}", "/api/v1/journey-bookings/" + jb["id"], 200)
live("GET", "/api/v1/trains/{train}/seats", "/api/v1/trains/C82/seats?" + trip, 200)
live("GET", "/api/v1/trains/{train}/seats", "/api/v1/trains/D87/seats?date=%s&from=%s&to=%s&class=second"
     % (DATE, q("Kunming South"), "Vientiane"), 200)
live("GET", "/api/v1/trains/{train}/seats", "/api/v1/trains/C82/seats?" + trip + "&class=sleeper", 404)
live("GET", "/api/v1/stations/{station}", "/api/v1/stations/Nowhere", 404)
live("GET", "/api/v1/trains", "/api/v1/trains?from=Vientiane", 400)
live("GET", "/api/v1/bookings/{id}", "/api/v1/bookings/NOSUCHBOOKING", 404)

# ---- (d) /metrics ----
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"'
                    r'(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*)?\})? '
                    r'([-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|[-+]?Inf|NaN)$')
def scrape():
    st, hd, raw = http("GET", "/metrics")
    text = raw.decode()
    ok = st == 200 and hd["Content-Type"].startswith("text/plain; version=0.0.4")
    samples, bad = {}, []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        mt = SAMPLE.match(line)
        if not mt:
            bad.append(line)
            continue
        samples[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
    return ok, samples, bad
ok, m1, bad = scrape()
check(ok, "GET /metrics is text/plain; version=0.0.4")
check(not bad and m1, "every sample line of /metrics parses %s" % bad[:3])
labels = {re.search(r'route="([^"]*)"', k).group(1) for k in m1 if 'route="' in k}
for method, pattern in routes:
    check(pattern in labels, "route label %s" % pattern)
for kind in ("hold", "sale", "confirm", "cancel", "refund", "expiry"):
    check('lanxang_bookings_total{kind="%s"}' % kind in m1, "lanxang_bookings_total kind=%s" % kind)
for name in ("lanxang_book_commits_total", "lanxang_book_refusals_total"):
    check(name in m1, name)
key = 'lanxang_http_requests_total{method="GET",route="/api/v1/stations/{}",status="200"}'
hkey = 'lanxang_http_request_duration_seconds_count{route="/api/v1/stations/{}"}'
for _ in range(3):
    http("GET", "/api/v1/stations/luang_prabang")
http("POST", "/api/v1/bookings", book())
ok, m2, bad = scrape()
check(m2.get(key, 0) == m1.get(key, 0) + 3, "requests_total grows by 3 (%s -> %s)" % (m1.get(key), m2.get(key)))
check(m2.get(hkey, 0) == m1.get(hkey, 0) + 3, "the histogram count grows by 3")
hk = 'lanxang_bookings_total{kind="hold"}'
check(m2[hk] > m1[hk], "lanxang_bookings_total{kind=\"hold\"} grows")
check(m2["lanxang_book_commits_total"] > m1["lanxang_book_commits_total"], "commits grow")
buckets = sorted((float(re.search(r'le="([^"]+)"', k).group(1).replace("+Inf", "inf")), v)
                 for k, v in m2.items() if k.startswith("lanxang_http_request_duration_seconds_bucket{route=\"/api/v1/stations/{}\""))
check(buckets and all(a[1] <= b[1] for a, b in zip(buckets, buckets[1:])) and buckets[-1][1] == m2[hkey],
      "the histogram's buckets are cumulative up to its count")
st, _, _ = http("GET", "/api/v1/nosuch")
_, m3, _ = scrape()
check(m3.get('lanxang_http_requests_total{method="GET",route="(unmatched)",status="404"}') == 1,
      "an unknown path counts as route (unmatched)")

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY

server_stop >&2 || rc=1
exit $rc
