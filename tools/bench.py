#!/usr/bin/env python3
"""The benchmark: `tools/bench` runs this with the project's pinned tools on the path.

One run measures, against one local DynamoDB endpoint (dynalite):
  1. end to end through the local stack (release build under `cargo lambda watch`):
     1,000-item batchStock and Crux requests, fresh identifiers each round: p50, p95, items/s;
  2. boto3's Table.batch_writer() writing the same 1,000 records: ratio ours / boto3;
  3. the bare-write floor (tools/bench/src/bin/bare-writes.rs): the same 40 BatchWriteItem
     calls with our concurrency and nothing else: ratio ours / bare;
  4. DynamoDB calls per request, counted by the SDK interceptor, against the minimum;
  5. CPU per item without I/O (criterion, in-memory store), per dialect;
  6. cold start per function: init time (process start to first poll of a stub runtime API),
     stripped and zipped size of the arm64 artifact, peak RSS serving a 1,000-item request;
  7. the emulator's CPU time per request for 1-3 (its JavaScript thread, from Linux /proc),
     and from it the best ratios the emulator's own work allows any function;
  8. per request type (1,000-item batchStock, Crux and bulk insert, each both repeating the
     identifiers of the request before and with new ones; 1,000-item Wix create, the
     single-product update, a 100-item query), what the emulator cannot distort: DynamoDB round
     trips on the critical path (from the function's own log), the function process's own CPU
     time per request (user + system, Linux /proc schedstat, in nanoseconds) against the bare floor's for the same
     writes (a bare round right after each of our requests), and the capacity consumed (WRU,
     RRU, as DynamoDB reports it).
1-3 run interleaved: every round stores 1,000 fresh records each way, in rotating order, after
a few unmeasured rounds, so drift in the emulator hits every contender alike.
Prints a table, and as its last line one JSON object with every figure.
"""

import argparse
import http.client
import http.server
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCAL = ROOT / ".local"
ITEMS = 1000
KEY = "bench-key-0123456789"
LOCATION = "W1"
FUNCTIONS = [line.split()[0] for line in subprocess.run(
    [sys.executable, str(ROOT / "tools" / "functions.py")], capture_output=True, text=True, check=True).stdout.splitlines()]


def log(message):
    print(f"==> {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(host, port, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answers on {host}:{port}")


class Services:
    """Processes started in their own sessions, stopped with everything they started."""

    def __init__(self):
        self.procs = []

    def start(self, args, log_name, env=None):
        out = open(LOCAL / log_name, "w")
        proc = subprocess.Popen(args, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)
        self.procs.append(proc)
        return proc

    def stop(self):
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []


def on_cpu_seconds(schedstat):
    """CPU seconds (user + system) one thread has run, from its /proc schedstat, counted in
    nanoseconds. /proc's stat counts in clock ticks (10 ms), too coarse for one request."""
    return int(schedstat.read_text().split()[0]) / 1e9


class EmulatorCpu:
    """CPU seconds the emulator's main thread has used so far (Linux /proc; None elsewhere).
    dynalite serves every call on Node.js's one JavaScript thread, so when it is the
    bottleneck, that thread's CPU time per request is what a request costs, whoever sends it.
    (V8's helper threads, garbage collection and compilation, run beside it.)"""

    def __init__(self, pid):
        self.schedstat = Path(f"/proc/{pid}/task/{pid}/schedstat")

    def seconds(self):
        try:
            return on_cpu_seconds(self.schedstat)
        except OSError:
            return None


class ProcessCpu:
    """CPU seconds a whole process (all its live threads) has used so far."""

    def __init__(self, pid):
        self.tasks = Path(f"/proc/{pid}/task")

    def seconds(self):
        total = 0.0
        for task in self.tasks.iterdir():
            try:
                total += on_cpu_seconds(task / "schedstat")
            except OSError:
                pass  # a thread that ended between the listing and the read
        return total


def function_pid(function):
    """The process `cargo lambda watch` runs a function in (its release binary, started by
    `cargo run`, so named by a path relative to the project or absolute)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv0 = Path((entry / "cmdline").read_bytes().split(b"\0")[0].decode(errors="replace"))
        except OSError:
            continue
        if argv0.name == function and argv0.parent.name == "release":
            return int(entry.name)
    return None


def longest_chain(calls):
    """Round trips on the critical path: the longest chain of calls, each sent no earlier than
    the previous one was answered (as shared/src/telemetry.rs counts them)."""
    calls = sorted(calls)
    depth = []
    for i, (sent, _) in enumerate(calls):
        depth.append(1 + max((depth[j] for j in range(i) if calls[j][1] <= sent), default=0))
    return max(depth, default=0)


class CpuTally:
    """Adds up the emulator's CPU time over one contender's measured requests."""

    def __init__(self, meter):
        self.meter, self.total, self.requests = meter, 0.0, 0

    def measure(self, work):
        before = self.meter.seconds()
        result = work()
        after = self.meter.seconds()
        if before is None or after is None:
            self.total = None
        elif self.total is not None:
            self.total += after - before
        self.requests += 1
        return result

    def ms_per_request(self):
        return None if self.total is None or not self.requests else self.total * 1000 / self.requests


def percentile(values, p):
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    low, high = math.floor(k), math.ceil(k)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


def check_digit(body):
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def variant(i):
    return f"BV{i:06d}"


def sku(i):
    return f"BSKU{i:06d}"


def upc(i):
    body = f"{i:011d}"
    return body + check_digit(body)


def seed_file(count):
    variants = [{"variantId": variant(i), "productId": f"BP{i:06d}", "sku": sku(i), "gtin": upc(i)} for i in range(count)]
    return {"tenants": [{"id": "bench", "apiKeys": [{"key": KEY, "scopes": ["inventory:write", "inventory:read"]}],
                         "locations": [{"id": LOCATION, "default": True}], "variants": variants}]}


def post(port, path, headers, body, timeout=120):
    """One request on a fresh connection; returns (status, seconds, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    data = body.encode()
    started = time.perf_counter()
    conn.request("POST", path, body=data, headers={"content-type": "application/json", **headers})
    response = conn.getresponse()
    payload = response.read()
    elapsed = time.perf_counter() - started
    conn.close()
    return response.status, elapsed, payload


def post_for_id(port, path, headers, body):
    """One request; returns (status, body, the request id the function logs it under)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("POST", path, body=body.encode(), headers={"content-type": "application/json", **headers})
    response = conn.getresponse()
    payload = response.read()
    request_id = response.getheader("x-request-id")
    conn.close()
    return response.status, payload, request_id


def requests_log(path, function):
    """`request finished` lines of one function from the cargo lambda watch log."""
    found = []
    for line in Path(path).read_text(errors="replace").splitlines():
        if '"request finished"' not in line:
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if any(span.get("function") == function for span in entry.get("spans", [])):
            found.append(entry)
    return found


class Contender:
    """One way of storing 1,000 records; `store(block)` stores block's records and returns the
    seconds it took. Every measured round runs each contender once, in rotating order, so drift
    in the emulator (its JIT warming up, its table growing, garbage collection) hits all alike."""

    def __init__(self, name, store, meter):
        self.name, self.store, self.times, self.emulator = name, store, [], CpuTally(meter)

    def measure(self, block):
        self.times.append(self.emulator.measure(lambda: self.store(block)))

    def figures(self):
        p50 = statistics.median(self.times)
        return {"rounds": len(self.times), "p50_ms": p50 * 1000, "p95_ms": percentile(self.times, 0.95) * 1000,
                "items_per_s": ITEMS / p50, "emulator_cpu_ms": self.emulator.ms_per_request()}


class OurEndpoint:
    """1,000-item requests of one dialect through `cargo lambda watch`."""

    def __init__(self, name, port, path, headers, body):
        self.name, self.port, self.path, self.headers, self.body = name, port, path, headers, body
        self.emulator_errors = 0

    def __call__(self, block):
        body = self.body(block)
        status, seconds, reply = post(self.port, self.path, self.headers, body)
        # `cargo lambda watch` itself now and then answers a problem document instead of
        # relaying a function's answer (the function logged 200); retry, and say so. (The
        # emulator's CPU time then counts both requests against us.)
        for _ in range(3):
            if status != 500 or b"httpstatuses.com" not in reply:
                break
            self.emulator_errors += 1
            status, seconds, reply = post(self.port, self.path, self.headers, body)
        if status != 200:
            raise SystemExit(f"{self.name}: {status} {reply[:300]}")
        answer = json.loads(reply)
        ok = answer.get("allPassed") if self.name == "batch-stock" else all(s["status_code"] == 200 for s in answer)
        if not ok:
            raise SystemExit(f"{self.name}: not every item was stored: {reply[:300]}")
        return seconds


def our_endpoints(port):
    return [
        OurEndpoint("batch-stock", port, f"/api/batchStock?warehouse_id={LOCATION}", {"authorization": f"Bearer {KEY}"},
                    lambda block: json.dumps({"batchStock": {"item": [
                        {"variant_id": variant(block * ITEMS + i), "inStock": i} for i in range(ITEMS)]}})),
        OurEndpoint("crux-bulk-inventory", port, "/timp/products/skus/inventory/bulk/", {"authorization": f"Token {KEY}"},
                    lambda block: json.dumps([{"sku_id": sku(block * ITEMS + i), "quantity_in_stock": i}
                                              for i in range(ITEMS)])),
    ]


class Boto3BatchWriter:
    """What most teams write in a Python Lambda: `Table.batch_writer()`, the same records."""

    def __init__(self, endpoint, prefix):
        import boto3
        resource = boto3.resource("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                                  aws_access_key_id="local", aws_secret_access_key="local")
        self.table = resource.Table(f"{prefix}stock")
        # When each call goes out and its answer arrives, for the critical path.
        self.calls, self.round_trips = [], []
        events = resource.meta.client.meta.events
        events.register("before-send.dynamodb", lambda **_: self.calls.append([time.perf_counter(), None]))
        events.register("response-received.dynamodb", self._answered)

    def _answered(self, **_):
        open_calls = [c for c in self.calls if c[1] is None]
        if open_calls:
            open_calls[0][1] = time.perf_counter()

    def __call__(self, block):
        version = f"{int(time.time() * 1e6):016x}{block:016x}"
        items = [{"pk": f"boto3#{variant(i)}", "sk": f"{LOCATION}#c#{version}", "variantId": variant(i),
                  "productId": f"BP{i:06d}", "locationId": LOCATION, "quantity": i, "version": version}
                 for i in range(ITEMS)]
        self.calls = []
        started = time.perf_counter()
        with self.table.batch_writer() as writer:
            for item in items:
                writer.put_item(Item=item)
        elapsed = time.perf_counter() - started
        self.round_trips.append(longest_chain([tuple(c) for c in self.calls if c[1] is not None]))
        return elapsed


class BareWrites:
    """The floor: tools/bench/src/bin/bare-writes.rs, one process fed a round number per line.
    With `reads=(kind, first)` it first reads the catalog items a new-identifier request resolves
    (the floor of a request that must resolve what it writes); those rounds' CPU and round trips
    are kept apart."""

    def __init__(self, env):
        self.proc = subprocess.Popen([str(ROOT / "target" / "release" / "bare-writes"), str(ITEMS)], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.cpu = ProcessCpu(self.proc.pid)
        self.cpu_seconds, self.round_trips = [], []
        self.reads_cpu_seconds, self.reads_round_trips = [], []

    def __call__(self, block, reads=None):
        before = self.cpu.seconds()
        self.proc.stdin.write(f"{block} {reads[0]} {reads[1]}\n" if reads else f"{block}\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"bare-writes stopped (exit {self.proc.wait()})")
        (self.reads_cpu_seconds if reads else self.cpu_seconds).append(self.cpu.seconds() - before)
        answer = json.loads(line)
        (self.reads_round_trips if reads else self.round_trips).append(answer["round_trips"])
        return answer["seconds"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


def compare(contenders, warmup, rounds):
    """`warmup` unmeasured rounds, then `rounds` measured ones; block b stores block b's records."""
    for block in range(warmup + rounds):
        turn = block % len(contenders)
        for contender in contenders[turn:] + contenders[:turn]:
            if block < warmup:
                contender.store(block)
            else:
                contender.measure(block)


def calls_per_request(log_path):
    # The last request of each that stored 1,000 records is the profile's new identifiers: a warm
    # instance has the key and the warehouse cached (no GetItem, 1,000 keys to read).
    minimum = {"BatchGetItem": math.ceil(ITEMS / 100), "BatchWriteItem": math.ceil(ITEMS / 25)}
    out = {}
    for function in ("batch-stock", "crux-bulk-inventory"):
        entries = requests_log(log_path, function)
        measured = [e for e in entries if e.get("items_stored") == ITEMS]
        last = measured[-1]
        by_op = dict(pair.split("=") for pair in last.get("dynamodb_calls_by_operation", "").split() if "=" in pair)
        by_op = {k: int(v) for k, v in by_op.items()}
        out[function] = {"calls": by_op, "total": last["dynamodb_calls"], "retries": last["dynamodb_retries"],
                         "minimum": minimum, "at_minimum": by_op == minimum}
    return out


def request_line(log_path, request_id, seconds=5):
    """The `request finished` line of one request, by its id (it reaches the log just after the
    response)."""
    deadline = time.time() + seconds
    while True:
        for line in Path(log_path).read_text(errors="replace").splitlines():
            if '"request finished"' in line and request_id in line:
                try:
                    return json.loads(line)
                except json.JSONDecodeError:
                    pass
        if time.time() > deadline:
            raise SystemExit(f"no request-finished line for {request_id}")
        time.sleep(0.05)


def request_types(block, rounds, fresh_block):
    """(name, function, minimum round trips, request for round r, check of the answer).
    Each 1,000-item update comes twice: pushing the same identifiers as the request before it,
    as a stock feed does (a warm instance resolves them from its catalog cache: minimum one
    round trip, the write), and pushing identifiers the instance has not resolved yet, a block
    of its own every round (minimum two: the catalog read, then the write). batchStock also
    pushes identifiers the catalog does not hold (minimum one: the read; nothing is written)."""
    bearer = {"authorization": f"Bearer {KEY}"}
    ids = range(block * ITEMS, block * ITEMS + ITEMS)
    query = json.dumps({"items": [{"variantId": variant(i)} for i in list(ids)[:100]], "locationIds": [LOCATION]})

    def batch(b):
        return json.dumps({"batchStock": {"item": [{"variant_id": variant(i), "inStock": 2}
                                                   for i in range(b * ITEMS, b * ITEMS + ITEMS)]}})

    def crux(b):
        return json.dumps([{"sku_id": sku(i), "quantity_in_stock": 3} for i in range(b * ITEMS, b * ITEMS + ITEMS)])

    def bulk(b):
        return json.dumps([{"sku": sku(i), "totalQuantity": 4, "locationId": LOCATION}
                           for i in range(b * ITEMS, b * ITEMS + ITEMS)])

    def unknown(r):
        return json.dumps({"batchStock": {"item": [{"variant_id": f"UNKNOWN-{r}-{i}", "inStock": 2}
                                                   for i in range(ITEMS)]}})

    def wix(r):
        # Creates need records that have no stock yet: a block of their own every round.
        first = (block + 1 + r) * ITEMS
        return json.dumps({"inventoryItems": [{"variantId": variant(i), "productId": f"BP{i:06d}", "locationId": "W2",
                                               "quantity": 5} for i in range(first, first + ITEMS)]})

    updates = [
        ("batchStock 1,000", "batch-stock", f"/api/batchStock?warehouse_id={LOCATION}", bearer, batch,
         lambda a: a.get("allPassed") is True),
        ("Crux 1,000", "crux-bulk-inventory", "/timp/products/skus/inventory/bulk/", {"authorization": f"Token {KEY}"},
         crux, lambda a: all(e["status_code"] == 200 for e in a)),
        ("bulk insert 1,000", "bulk-insert", "/inventory/bulk-insert", bearer, bulk,
         lambda a: a.get("totalItemsUploaded") == ITEMS),
    ]
    types = []
    for name, function, path, headers, body, ok in updates:
        repeated = body(block)
        types.append((name, function, 1, lambda r, p=path, h=headers, b=repeated: (p, h, b), ok))
        types.append((f"{name} new ids", function, 2, lambda r, p=path, h=headers, b=body: (p, h, b(fresh_block + r)), ok))
        if function == "batch-stock":
            # What resolving costs whatever it finds: 10 `BatchGetItem` calls that find nothing,
            # every item failed, nothing written.
            types.append((f"{name} unknown ids", function, 1, lambda r, p=path, h=headers: (p, h, unknown(r)),
                          lambda a: a.get("allPassed") is False and len(a.get("results", [])) == ITEMS))
    return types + [
        ("Wix create 1,000", "wix-inventory-create", 3,
         lambda r: ("/stores/v3/bulk/inventory-items/create", {"authorization": KEY}, wix(r)),
         lambda a: a["bulkActionMetadata"]["totalSuccesses"] == ITEMS),
        ("single product", "product-inventory", 2,
         lambda r: ("/api/product/inventory", bearer,
                    json.dumps({"upc": upc(block * ITEMS + r), "store": LOCATION, "quantity": 6})),
         lambda a: a.get("message") == "Inventory updated"),
        # The same 100 identifiers each round: resolved from the warm instance's cache, then
        # one wave of record queries.
        ("query 100", "inventory-query", 1,
         lambda r: ("/inventory/query", bearer, query),
         lambda a: all(item["found"] for item in a["items"])),
    ]


BULK_TYPES = tuple(f"{name}{kind}" for name in ("batchStock 1,000", "Crux 1,000", "bulk insert 1,000")
                   for kind in ("", " new ids"))


def profile(api_port, log_path, block, rounds, fresh_block, bare_writes):
    """Per request type: round trips on the critical path, the function's CPU, capacity.
    The first request of each type starts the function (and looks its key up); then
    `rounds` measured ones, warm, as Lambda serves most requests. Each measured 1,000-item
    update is paired with a round of the bare floor right after it, so the two CPU figures a
    ratio compares come from the same minutes of the machine's life. A new-identifier update is
    also paired with the floor that first reads the same catalog items."""
    out = {}
    bare_round = 1_000_000
    for name, function, minimum, request, ok in request_types(block, rounds, fresh_block):
        figures = {"round_trips": [], "cpu_ms": [], "wru": [], "rru": [], "calls": [], "bare_cpu_ms": [],
                   "bare_reads_cpu_ms": []}
        first = None
        for r in range(rounds + 1):
            path, headers, body = request(r)
            pid = function_pid(function)
            cpu = ProcessCpu(pid) if pid else None
            before = cpu.seconds() if cpu else None
            status, reply, request_id = post_for_id(api_port, path, headers, body)
            if status != 200 or not ok(json.loads(reply)):
                raise SystemExit(f"{name}: {status} {reply[:300]}")
            after = cpu.seconds() if cpu else None
            line = request_line(log_path, request_id)
            if r == 0:
                first = line.get("round_trips")
                continue
            figures["round_trips"].append(line["round_trips"])
            figures["wru"].append(line["wru"])
            figures["rru"].append(line["rru"])
            figures["calls"].append(line["dynamodb_calls"])
            if before is not None:
                figures["cpu_ms"].append((after - before) * 1000)
            if name in BULK_TYPES:
                bare_round += 1
                bare_writes(bare_round)
                figures["bare_cpu_ms"].append(bare_writes.cpu_seconds[-1] * 1000)
            if name in BULK_TYPES and name.endswith(" new ids"):
                bare_round += 1
                kind = "variant" if function == "batch-stock" else "sku"
                bare_writes(bare_round, reads=(kind, (fresh_block + r) * ITEMS))
                figures["bare_reads_cpu_ms"].append(bare_writes.reads_cpu_seconds[-1] * 1000)
        out[name] = {"function": function, "minimum_round_trips": minimum, "first_request_round_trips": first,
                     "bare_cpu_ms": statistics.median(figures["bare_cpu_ms"]) if figures["bare_cpu_ms"] else None,
                     "bare_reads_cpu_ms": (statistics.median(figures["bare_reads_cpu_ms"])
                                           if figures["bare_reads_cpu_ms"] else None),
                     "round_trips": statistics.median(figures["round_trips"]),
                     "cpu_ms": statistics.median(figures["cpu_ms"]) if figures["cpu_ms"] else None,
                     "wru": statistics.median(figures["wru"]), "rru": statistics.median(figures["rru"]),
                     "dynamodb_calls": statistics.median(figures["calls"])}
    return out


def cpu_per_item():
    subprocess.run(["cargo", "bench", "-q", "-p", "inventory-bench", "--bench", "cpu_per_item"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    out = {}
    for name, items in [("batch-stock", ITEMS), ("crux-bulk-inventory", ITEMS), ("bulk-insert", ITEMS),
                        ("wix-inventory-create", ITEMS), ("product-inventory", 1)]:
        estimates = json.loads((ROOT / "target" / "criterion" / "cpu_per_item" / name / "new" / "estimates.json").read_text())
        out[name] = {"ns_per_item": estimates["median"]["point_estimate"] / items}
    return out


class RuntimeStub(http.server.ThreadingHTTPServer):
    """The Lambda runtime API, enough to time init and hand one event over."""

    def __init__(self, event):
        super().__init__(("127.0.0.1", 0), RuntimeHandler)
        self.event = event
        self.first_poll = None
        self.polled = threading.Event()
        self.answered = threading.Event()
        self.served = False
        self.response = None


class RuntimeHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        stub = self.server
        if stub.first_poll is None:
            stub.first_poll = time.perf_counter()
            stub.polled.set()
        if stub.event is None or stub.served:
            # Hold the poll: the function waits for work, as on Lambda.
            stub.answered.wait(30)
            time.sleep(30)
            return
        stub.served = True
        body = json.dumps(stub.event).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("lambda-runtime-aws-request-id", "bench-request")
        self.send_header("lambda-runtime-deadline-ms", str(int(time.time() * 1000) + 60_000))
        self.send_header("lambda-runtime-invoked-function-arn", "arn:aws:lambda:us-east-1:000000000000:function:bench")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("content-length", 0))
        self.server.response = self.rfile.read(length)
        self.send_response(202)
        self.end_headers()
        self.server.answered.set()


def http_event(method, path, query, headers, body):
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
            "headers": headers, "body": body, "isBase64Encoded": False,
            "queryStringParameters": dict(p.split("=", 1) for p in query.split("&") if p) if query else None,
            "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                        "userAgent": "bench"}, "requestId": "bench-request", "routeKey": "$default",
                               "stage": "$default", "time": "22/Nov/2026:00:00:00 +0000", "timeEpoch": 0}}


def one_thousand_item_event(function, block):
    bearer = {"authorization": f"Bearer {KEY}", "content-type": "application/json"}
    ids = range(block * ITEMS, block * ITEMS + ITEMS)
    if function == "batch-stock":
        return http_event("POST", "/api/batchStock", f"warehouse_id={LOCATION}", bearer,
                          json.dumps({"batchStock": {"item": [{"variant_id": variant(i), "inStock": 1} for i in ids]}}))
    if function == "crux-bulk-inventory":
        return http_event("POST", "/timp/products/skus/inventory/bulk/", "", {**bearer, "authorization": f"Token {KEY}"},
                          json.dumps([{"sku_id": sku(i), "quantity_in_stock": 1} for i in ids]))
    if function == "bulk-insert":
        return http_event("POST", "/inventory/bulk-insert", "", bearer,
                          json.dumps([{"sku": sku(i), "totalQuantity": 1, "locationId": LOCATION} for i in ids]))
    if function == "wix-inventory-create":
        return http_event("POST", "/stores/v3/bulk/inventory-items/create", "", {**bearer, "authorization": KEY},
                          json.dumps({"inventoryItems": [{"variantId": variant(i), "productId": f"BP{i:06d}", "locationId": "W2", "quantity": 1} for i in ids]}))
    if function == "inventory-query":
        return http_event("POST", "/inventory/query", "", bearer,
                          json.dumps({"items": [{"variantId": variant(i)} for i in list(ids)[:100]]}))
    if function == "product-inventory":
        return http_event("POST", "/api/product/inventory", "", bearer,
                          json.dumps({"sku": sku(block * ITEMS), "size": "x", "width": "y", "store": LOCATION, "quantity": 1}))
    if function == "bulk-insert-job":
        return http_event("GET", "/inventory/bulk-insert/jobs/000000000000000000000000", "", bearer, None)
    return None


def run_function(binary, env, event):
    stub = RuntimeStub(event)
    thread = threading.Thread(target=stub.serve_forever, daemon=True)
    thread.start()
    started = time.perf_counter()
    proc = subprocess.Popen([str(binary)], env={**env, "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{stub.server_address[1]}",
                                                "AWS_LAMBDA_FUNCTION_NAME": binary.name, "AWS_LAMBDA_FUNCTION_VERSION": "1",
                                                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not stub.polled.wait(30):
            raise SystemExit(f"{binary.name} never polled the runtime API")
        init = stub.first_poll - started
        rss_kb = None
        if event is not None:
            if not stub.answered.wait(120):
                raise SystemExit(f"{binary.name} did not answer its event")
            status = json.loads(stub.response).get("statusCode")
            if status not in (200, 404):
                raise SystemExit(f"{binary.name} answered {status}: {stub.response[:300]}")
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    rss_kb = int(line.split()[1])
        return init, rss_kb
    finally:
        proc.kill()
        proc.wait()
        stub.shutdown()
        stub.server_close()


def cold_start(env, samples, first_block):
    out = {}
    block = first_block
    for function in FUNCTIONS:
        binary = ROOT / "target" / "release" / function
        inits = [run_function(binary, env, None)[0] for _ in range(samples)]
        event = one_thousand_item_event(function, block)
        block += 1
        _, rss_kb = run_function(binary, env, event) if event else (None, None)
        artifact = ROOT / "target" / "lambda" / function / "bootstrap"
        zipped = None
        if artifact.exists():
            path = LOCAL / f"{function}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
                z.write(artifact, "bootstrap")
            zipped = path.stat().st_size
        out[function] = {"init_ms": statistics.median(inits) * 1000, "stripped_bytes": artifact.stat().st_size if artifact.exists() else None,
                         "zipped_bytes": zipped, "peak_rss_kib": rss_kb}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="measured rounds per comparison (default 10)")
    parser.add_argument("--warmup", type=int, default=3, help="unmeasured rounds first (default 3)")
    parser.add_argument("--cold-samples", type=int, default=5, help="init measurements per function (default 5)")
    parser.add_argument("--profile-only", action="store_true",
                        help="only the per-request-type figures (no comparison rounds, cold starts or criterion)")
    parser.add_argument("--profile-rounds", type=int, default=10,
                        help="measured requests per request type for round trips, CPU and capacity (default 10)")
    args = parser.parse_args()
    if args.profile_only:
        # Two comparison rounds still run: they give the bare floor's CPU for the ratios.
        args.warmup, args.rounds = 1, 2
    LOCAL.mkdir(exist_ok=True)

    log("building release binaries (x86_64 for running, arm64 artifacts for sizes)")
    subprocess.run(["cargo", "build", "--release", "-q", "--workspace", "--bins"], cwd=ROOT, check=True)
    # The Lambda artifacts, exactly as `sam build` makes them (cargo skips this when fresh).
    if not args.profile_only:
        subprocess.run(["cargo", "lambda", "build", "--release", "--arm64", "--quiet"]
                       + [a for f in FUNCTIONS for a in ("--bin", f)], cwd=ROOT, check=True)

    services = Services()
    try:
        db_port = free_port()
        dynalite = services.start(["dynalite", "--host", "127.0.0.1", "--port", str(db_port), "--createTableMs", "0"],
                                  "bench-dynalite.log")
        meter = EmulatorCpu(dynalite.pid)  # the bin script's shebang execs node in this process
        wait_http("127.0.0.1", db_port, 30)
        endpoint = f"http://127.0.0.1:{db_port}"
        prefix = "bench-"
        env = {**os.environ, "AWS_ENDPOINT_URL_DYNAMODB": endpoint, "TABLE_PREFIX": prefix, "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local", "RUST_LOG": "info"}
        admin = str(ROOT / "target" / "release" / "inventory-admin")
        profile_block = args.warmup + args.rounds
        cold_block = profile_block + args.profile_rounds + 2
        fresh_block = cold_block + len(FUNCTIONS) + 1  # the profile's new identifiers
        blocks = fresh_block + args.profile_rounds + 1
        log(f"seeding {blocks * ITEMS} variants")
        seed = LOCAL / "bench-seed.json"
        seed_text = seed_file(blocks * ITEMS)
        seed_text["tenants"][0]["locations"].append({"id": "W2"})
        seed.write_text(json.dumps(seed_text))
        subprocess.run([admin, "create-tables"], env=env, check=True, stdout=subprocess.DEVNULL)
        subprocess.run([admin, "seed", str(seed)], env=env, check=True, stdout=subprocess.DEVNULL)

        api_port = free_port()
        log("starting cargo lambda watch --release")
        services.start(["cargo", "lambda", "watch", "--release", "--ignore-changes", "--invoke-address", "127.0.0.1",
                        "--invoke-port", str(api_port)], "bench-api.log", env=env)
        wait_http("127.0.0.1", api_port, 600)
        # The first request of each function starts it (and may compile it).
        for path in (f"/api/batchStock?warehouse_id={LOCATION}", "/timp/products/skus/inventory/bulk/"):
            post(api_port, path, {}, "{}", timeout=1800)

        log(f"end to end, boto3 and the bare floor: {args.warmup} + {args.rounds} interleaved rounds of 1,000 items")
        ours = our_endpoints(api_port)
        bare_writes = BareWrites(env)
        contenders = [Contender(o.name, o, meter) for o in ours] + [
            Contender("boto3", Boto3BatchWriter(endpoint, prefix), meter), Contender("bare", bare_writes, meter)]
        compare(contenders, args.warmup, args.rounds)
        log(f"round trips, CPU and capacity per request type: {args.profile_rounds} measured requests each")
        per_type = profile(api_port, LOCAL / "bench-api.log", profile_block, args.profile_rounds, fresh_block,
                           bare_writes)
        bare_writes.close()
        # The floor's CPU as measured beside our requests (the paired rounds of the profile).
        bare_cpu_ms = statistics.median(bare_writes.cpu_seconds[-len(BULK_TYPES) * args.profile_rounds:]) * 1000
        bare_reads_cpu_ms = (statistics.median(bare_writes.reads_cpu_seconds) * 1000
                             if bare_writes.reads_cpu_seconds else None)
        bare_round_trips = statistics.median(bare_writes.round_trips[-args.rounds:])
        bare_reads_round_trips = (statistics.median(bare_writes.reads_round_trips)
                                  if bare_writes.reads_round_trips else None)
        boto_round_trips = statistics.median(contenders[len(ours)].store.round_trips[-args.rounds:])
        figures = {c.name: c.figures() for c in contenders}
        boto, bare = figures.pop("boto3"), figures.pop("bare")
        e2e = {**figures, "emulator_errors_retried": sum(o.emulator_errors for o in ours)}
        calls = calls_per_request(LOCAL / "bench-api.log")
        cold = {}
        if not args.profile_only:
            log("cold starts")
            cold = cold_start(env, args.cold_samples, cold_block)
    finally:
        services.stop()
    cpu = {}
    if not args.profile_only:
        log("CPU per item (criterion)")
        cpu = cpu_per_item()

    summary = {"items_per_request": ITEMS, "end_to_end": e2e, "boto3_batch_writer": boto, "bare_write_floor": bare,
               "ratios": {}, "dynamodb_calls": calls, "cpu_per_item": cpu, "cold_start": cold,
               "critical_path_round_trips": {
                   **{name: {"warm": f["round_trips"], "first_request": f["first_request_round_trips"],
                             "minimum": f["minimum_round_trips"]} for name, f in per_type.items()},
                   "boto3 batch_writer 1,000": boto_round_trips, "bare floor 1,000": bare_round_trips,
                   "bare floor with catalog reads 1,000": bare_reads_round_trips},
               "cpu_ms_per_request": {**{name: f["cpu_ms"] for name, f in per_type.items()},
                                      "bare floor 1,000": bare_cpu_ms,
                                      "bare floor with catalog reads 1,000": bare_reads_cpu_ms},
               "cpu_ratio_vs_bare": {name: per_type[name]["cpu_ms"] / per_type[name]["bare_cpu_ms"]
                                     for name in BULK_TYPES if per_type[name]["cpu_ms"] is not None},
               # A new-identifier update against the floor that also reads what it resolves.
               "cpu_ratio_vs_bare_with_reads": {
                   name: per_type[name]["cpu_ms"] / per_type[name]["bare_reads_cpu_ms"]
                   for name in BULK_TYPES if per_type[name]["cpu_ms"] is not None and per_type[name]["bare_reads_cpu_ms"]},
               "bare_with_reads_over_bare": bare_reads_cpu_ms / bare_cpu_ms if bare_reads_cpu_ms else None,
               "wru_per_request": {name: f["wru"] for name, f in per_type.items()},
               "rru_per_request": {name: f["rru"] for name, f in per_type.items()},
               "dynamodb_calls_per_request": {name: f["dynamodb_calls"] for name, f in per_type.items()}}
    for name, figures in e2e.items():
        if not isinstance(figures, dict):
            continue
        ratios = {"ours_over_boto3": figures["items_per_s"] / boto["items_per_s"],
                  "ours_over_bare": figures["items_per_s"] / bare["items_per_s"]}
        # The emulator's own work for one of our requests takes its one JavaScript thread this
        # long, so our time cannot be shorter: the ratio no function could beat on this emulator.
        busy = figures["emulator_cpu_ms"]
        if busy:
            ratios["emulator_bound_over_boto3"] = boto["p50_ms"] / busy
            ratios["emulator_bound_over_bare"] = bare["p50_ms"] / busy
        summary["ratios"][name] = ratios

    print(f"\nEnd to end, {ITEMS} items per request, {args.warmup} + {args.rounds} interleaved rounds (dynalite on loopback;"
          " in brackets the most the emulator's own work allows):")
    for name, f in e2e.items():
        if not isinstance(f, dict):
            continue
        r = summary["ratios"][name]
        bound = (lambda k: f" (<= x{r[k]:.2f})" if k in r else "")
        print(f"  {name:22} p50 {f['p50_ms']:7.1f} ms  p95 {f['p95_ms']:7.1f} ms  {f['items_per_s']:8.0f} items/s"
              f"  x{r['ours_over_boto3']:.2f} boto3{bound('emulator_bound_over_boto3')}"
              f"  x{r['ours_over_bare']:.2f} bare{bound('emulator_bound_over_bare')}")
    if e2e["emulator_errors_retried"]:
        print(f"  (cargo lambda watch answered {e2e['emulator_errors_retried']} request(s) with its own 500; retried)")
    print(f"  {'boto3 batch_writer':22} p50 {boto['p50_ms']:7.1f} ms  p95 {boto['p95_ms']:7.1f} ms  {boto['items_per_s']:8.0f} items/s")
    print(f"  {'bare BatchWriteItem':22} p50 {bare['p50_ms']:7.1f} ms  p95 {bare['p95_ms']:7.1f} ms  {bare['items_per_s']:8.0f} items/s")
    if bare["emulator_cpu_ms"] is not None:
        print("\nEmulator CPU per 1,000-item request (dynalite's JavaScript thread, mean over the rounds):")
        for name, f in [*((n, f) for n, f in e2e.items() if isinstance(f, dict)),
                        ("boto3 batch_writer", boto), ("bare BatchWriteItem", bare)]:
            print(f"  {name:22} {f['emulator_cpu_ms']:7.1f} ms")
    print(f"\nPer request type ({args.profile_rounds} warm requests each, medians; what the emulator cannot distort):")
    print("  (a bulk update pushes either the identifiers of the request before it, as a stock feed does, or, 'new ids',")
    print("  identifiers the warm instance has not resolved yet; 'unknown ids' are identifiers the catalog does not hold)")
    print(f"  {'':28} {'round trips':>11} {'(first, min)':>13} {'CPU ms':>8} {'÷ bare':>7} {'÷ b+r':>7} {'WRU':>7} {'RRU':>7} {'calls':>6}")
    for name, f in per_type.items():
        ratio = summary["cpu_ratio_vs_bare"].get(name)
        ratio = f"x{ratio:.2f}" if ratio is not None else ""
        with_reads = summary["cpu_ratio_vs_bare_with_reads"].get(name)
        with_reads = f"x{with_reads:.2f}" if with_reads is not None else ""
        cpu_ms = f"{f['cpu_ms']:8.1f}" if f["cpu_ms"] is not None else f"{'':8}"
        print(f"  {name:28} {f['round_trips']:11} {'(' + str(f['first_request_round_trips']) + ', ' + str(f['minimum_round_trips']) + ')':>13}"
              f" {cpu_ms} {ratio:>7} {with_reads:>7} {f['wru']:7.1f} {f['rru']:7.1f} {f['dynamodb_calls']:6}")
    print(f"  {'boto3 batch_writer':28} {boto_round_trips:11}")
    print(f"  {'bare floor':28} {bare_round_trips:11} {'':13} {bare_cpu_ms:8.1f}")
    if bare_reads_cpu_ms:
        print(f"  {'bare floor + catalog reads':28} {bare_reads_round_trips:11} {'':13} {bare_reads_cpu_ms:8.1f} "
              f"{'x' + format(bare_reads_cpu_ms / bare_cpu_ms, '.2f'):>7}")
        print("  ('÷ b+r': a new-identifier update against the floor that first reads the same catalog items)")
    print("\nDynamoDB calls per 1,000-item request (SDK interceptor):")
    for name, c in calls.items():
        print(f"  {name:22} {c['calls']}  minimum {c['minimum']}  {'at minimum' if c['at_minimum'] else 'ABOVE MINIMUM'}")
    print("\nCPU per item without I/O (criterion, in-memory store):")
    for name, c in cpu.items():
        print(f"  {name:22} {c['ns_per_item']:8.0f} ns/item")
    print("\nCold start (x86_64 release build; sizes of the arm64 Lambda artifact):")
    for name, c in cold.items():
        size = f"{c['stripped_bytes'] / 1e6:5.2f} MB stripped, {c['zipped_bytes'] / 1e6:5.2f} MB zipped" if c["zipped_bytes"] else "no artifact"
        rss = f"{c['peak_rss_kib'] / 1024:6.1f} MiB peak RSS" if c["peak_rss_kib"] else ""
        print(f"  {name:22} init {c['init_ms']:6.1f} ms  {size}  {rss}")
    print(json.dumps(summary, separators=(",", ":")))


if __name__ == "__main__":
    main()
