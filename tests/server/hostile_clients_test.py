"""Hostile and careless HTTP clients against the real `sembed serve` binary, on raw sockets.

    hostile_clients_test.py BUILD/sembed [--legacy] [--large-requests N]

Every check prints one line (PASS/FAIL, what it measured); the exit status is 1 if any failed.
After each check the server must still answer /health and embed a sentence bit-identically to
before. The checks and their bars (issue 14):
- slow-loris: 160 connections trickling a header one byte per 0.5 s; /health answers in < 1 s
  meanwhile, and the trickling connections are cut off at the request deadline;
- connection cap: beyond --max-connections a new connection gets 503;
- chunked bomb (50 MiB of chunks) and gzip bomb (20 MiB of zeros in ~20 KB): 413 as soon as the
  decoded body crosses the limit, RSS growth < 50 MB;
- 1,000 large legitimate requests on fresh connections: RSS plateau <= 400 MB;
- two pipelined requests in one write: both answered, in order;
- no Content-Length: an empty body at once (400 from the route, not a wait); Content-Length -5,
  non-numeric, or two different values: 400; an over-limit Content-Length with
  `Expect: 100-continue`: 413 at once, no `100 Continue`;
- header floods (200 fields; one 20 KB field): 431.
--legacy runs the same checks against a binary without the transport options (to measure an
older build, as docs/server.md records); it does not fail on the checks, only reports them.
--rss-not-a-bar (the ASan build, tests/server/CMakeLists.txt) reports the large-request RSS plateau
without enforcing it: under AddressSanitizer RSS is mostly shadow memory and quarantine.
"""
import argparse
import gzip
import json
import socket
import sys
import threading
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

from serve_process import ServeProcess

REQUEST_TIMEOUT = 3.0  # --request-timeout for this test: slow-loris is cut after this
MAX_CONNECTIONS = 200
MAX_BODY = 2 << 20

results = []


def check(name, ok, detail):
    results.append((name, ok))
    print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)


def connect(port, timeout=10.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def read_response(sock, timeout=10.0):
    """Reads one response (Content-Length framed). Returns (status, headers, body, rest) or
    (None, ...) when the connection closed or timed out first."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return None, {}, b"", data
            data += chunk
        head, rest = data.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        n = int(headers.get("content-length", "0"))
        while len(rest) < n:
            chunk = sock.recv(65536)
            if not chunk:
                break
            rest += chunk
        return status, headers, rest[:n], rest[n:]
    except (socket.timeout, ConnectionError, OSError):
        return None, {}, b"", data


def raw_exchange(port, wire, timeout=10.0):
    s = connect(port)
    t0 = time.time()
    try:
        s.sendall(wire)
    except OSError:
        pass
    status, headers, body, _ = read_response(s, timeout)
    s.close()
    return status, headers, body, time.time() - t0


def post_json(path, obj, extra=b""):
    body = json.dumps(obj).encode()
    return (f"POST {path} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n").encode() + extra + b"\r\n" + body


class Alive:
    """The server's answer to a fixed sentence, to compare against after each check."""

    def __init__(self, srv):
        self.srv = srv
        status, _, body = srv.request("POST", "/embed", {"inputs": "still the same vector"})
        assert status == 200, body
        self.vector = json.loads(body)

    def __call__(self, after):
        t0 = time.time()
        status, _, _ = self.srv.request("GET", "/health", timeout=10)
        health = time.time() - t0
        status2, _, body = self.srv.request("POST", "/embed", {"inputs": "still the same vector"})
        ok = status == 200 and status2 == 200 and json.loads(body) == self.vector
        check(f"alive after {after}", ok, f"/health {status} in {health * 1000:.0f} ms, "
              f"/embed {status2}, same vector: {status2 == 200 and json.loads(body) == self.vector}")


def slow_loris(srv, legacy):
    n = 160
    socks = []
    for _ in range(n):
        try:
            socks.append(connect(srv.port))
        except OSError:
            break
    stop = threading.Event()
    header = b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nX-Pad: " + \
        b"a" * 4096

    def trickle():
        i = 0
        while not stop.is_set() and i < len(header):
            for s in socks:
                try:
                    s.send(header[i:i + 1])
                except OSError:
                    pass
            i += 1
            stop.wait(0.5)

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    time.sleep(0.5)
    worst = 0.0
    failures = 0
    for _ in range(8):
        t0 = time.time()
        try:
            status, _, _ = srv.request("GET", "/health", timeout=5)
        except OSError:
            status = None
        took = time.time() - t0
        worst = max(worst, took)
        failures += status != 200
        time.sleep(0.25)
    check("slow-loris: /health answers while 160 connections trickle", failures == 0 and worst < 1.0,
          f"{len(socks)} trickling connections, worst /health {worst * 1000:.0f} ms, "
          f"{failures} of 8 unanswered")
    # They are cut off at the request deadline (plus the idle wait before their first byte).
    time.sleep(REQUEST_TIMEOUT + 1.5)
    closed = 0
    for s in socks:
        s.settimeout(0.2)
        try:
            data = s.recv(4096)
            closed += data == b"" or data.startswith(b"HTTP/1.1 408")
        except socket.timeout:
            pass
        except OSError:
            closed += 1
    stop.set()
    t.join()
    for s in socks:
        s.close()
    check("slow-loris: trickling connections cut off at the request deadline",
          closed == len(socks), f"{closed} of {len(socks)} closed by the server after "
          f"{REQUEST_TIMEOUT + 2:.1f} s")


def connection_cap(srv):
    socks = []
    refused = None
    for _ in range(MAX_CONNECTIONS + 5):
        s = connect(srv.port)
        socks.append(s)
    time.sleep(0.3)
    # The connections beyond the cap were answered 503 and closed.
    statuses = []
    for s in socks[MAX_CONNECTIONS - 5:]:
        s.settimeout(0.5)
        try:
            data = s.recv(4096)
            statuses.append(int(data.split()[1]) if data.startswith(b"HTTP/") else "closed")
        except socket.timeout:
            statuses.append("open")
        except OSError:
            statuses.append("reset")
    refused = statuses.count(503)
    for s in socks:
        s.close()
    time.sleep(0.3)
    check("connection cap: 503 beyond --max-connections", refused >= 5,
          f"{MAX_CONNECTIONS + 5} connections, the last 10 got {statuses}")


def chunked_bomb(srv):
    rss0 = srv.rss_kib()
    s = connect(srv.port)
    s.sendall(b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              b"Transfer-Encoding: chunked\r\n\r\n")
    chunk = b"a" * 65536
    sent = 0
    t0 = time.time()
    try:
        while sent < 50 << 20:
            s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            sent += len(chunk)
    except OSError:
        pass
    status, _, body, _ = read_response(s, 10)
    s.close()
    grew = (srv.rss_kib() - rss0) / 1024
    check("chunked bomb: 413 at the limit", status == 413 and sent < 50 << 20,
          f"status {status} after {sent / 2**20:.1f} MiB sent of 50 MiB in {time.time() - t0:.2f} s")
    check("chunked bomb: RSS growth < 50 MB", grew < 50, f"RSS +{grew:.1f} MB")


def gzip_bomb(srv):
    bomb = gzip.compress(b'{"inputs": "' + b"a" * (20 << 20) + b'"}', 9)
    deflate = zlib.compress(b" " * (20 << 20), 9)
    rss0 = srv.rss_kib()
    statuses = []
    t0 = time.time()
    for i in range(10):
        payload, enc = (bomb, "gzip") if i % 2 == 0 else (deflate, "deflate")
        wire = (f"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                f"Content-Encoding: {enc}\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
        statuses.append(raw_exchange(srv.port, wire + payload)[0])
    grew = (srv.rss_kib() - rss0) / 1024
    check("gzip/deflate bombs: 413", all(st == 413 for st in statuses),
          f"{len(bomb)} B gzip / {len(deflate)} B deflate inflating to 20 MiB, 10 times: "
          f"{statuses} in {time.time() - t0:.2f} s")
    check("gzip/deflate bombs: RSS growth < 50 MB", grew < 50, f"RSS +{grew:.1f} MB")
    # A legitimate gzip body still works.
    body = gzip.compress(json.dumps({"inputs": "still the same vector"}).encode())
    wire = (f"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            f"Content-Encoding: gzip\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
    status, _, got, _ = raw_exchange(srv.port, wire)
    _, _, plain = srv.request("POST", "/embed", {"inputs": "still the same vector"})
    check("gzip body decoded", status == 200 and json.loads(got) == json.loads(plain),
          f"status {status}")


def large_requests(srv, count, rss_is_a_bar=True):
    # Large but legitimate: near-limit bodies, or large answers, at little engine work each (the
    # bar is about memory, and CI has 2 cores): a 100 KB text to /tokenize answers ~2 MB of
    # JSON; a 1.4 MB text embedded with truncation (TEI and OpenAI routes); 32 inputs at once.
    words = " ".join(f"word{i % 97}" for i in range(14000))
    many = [f"sentence number {i} about nothing much" for i in range(32)]
    huge = "x " * 700000
    kinds = [("/tokenize", {"inputs": words}), ("/embed", {"inputs": many}),
             ("/embed", {"inputs": huge, "truncate": True}),
             ("/v1/embeddings", {"input": [huge[:400000]] * 3, "encoding_format": "base64"})]
    rss = []
    statuses = {}
    t0 = time.time()

    def one(i):
        path, body = kinds[i % len(kinds)]
        st, _, _, _ = raw_exchange(srv.port, post_json(path, body), timeout=120)
        return st

    with ThreadPoolExecutor(8) as pool:
        for start in range(0, count, 50):
            for st in pool.map(one, range(start, min(count, start + 50))):
                statuses[st] = statuses.get(st, 0) + 1
            rss.append(srv.rss_kib() / 1024)
    peak = max(rss)
    tail = rss[len(rss) // 2:]
    check(f"{count} large requests on fresh connections: all answered 200",
          statuses == {200: count}, f"{statuses} in {time.time() - t0:.0f} s")
    rss_line = f"RSS every 50 requests (MB): {' '.join(f'{r:.0f}' for r in rss)}; peak {peak:.0f}"
    if rss_is_a_bar:
        check("large requests: RSS plateau <= 400 MB", peak <= 400 and max(tail) - min(tail) < 60,
              rss_line)
    else:
        print(f"NOTE large requests: RSS not a bar in this build (sanitizer); {rss_line}")


def pipelining(srv):
    a = post_json("/embed", {"inputs": "first"})
    b = post_json("/tokenize", {"inputs": "second"})
    s = connect(srv.port)
    s.sendall(a + b)
    st1, _, body1, rest = read_response(s)
    st2, body2 = None, b""
    if st1 is not None:
        # The second response may already be in `rest`.
        class Prefixed:
            def __init__(self, sock, prefix):
                self.sock, self.prefix = sock, prefix

            def settimeout(self, t):
                self.sock.settimeout(t)

            def recv(self, n):
                if self.prefix:
                    p, self.prefix = self.prefix, b""
                    return p
                return self.sock.recv(n)
        st2, _, body2, _ = read_response(Prefixed(s, rest))
    s.close()
    ok = st1 == 200 and st2 == 200 and body1.startswith(b"[[") and b'"text":"second"' in body2
    check("pipelining: two requests in one write, answered in order", ok,
          f"statuses {st1}, {st2}")


def content_length_cases(srv):
    cases = [
        ("POST without Content-Length: empty body at once",
         b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\r\n", 400),
        ("Content-Length: -5", b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Length: -5\r\n\r\n", 400),
        ("Content-Length: abc", b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
         400),
        ("two different Content-Lengths",
         b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n12345",
         400),
        ("Content-Length with chunked",
         b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
         b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("unknown method: 501", b"BREW /embed HTTP/1.1\r\nHost: t\r\n\r\n", 501),
    ]
    for name, wire, want in cases:
        status, _, body, took = raw_exchange(srv.port, wire, timeout=20)
        check(name, status == want and took < 1.0,
              f"status {status} (want {want}) in {took * 1000:.0f} ms {body[:80]!r}")
    s = connect(srv.port)
    t0 = time.time()
    s.sendall(b"POST /embed HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
              b"Content-Length: 99999999\r\nExpect: 100-continue\r\n\r\n")
    status, _, _, _ = read_response(s, 20)
    took = time.time() - t0
    s.close()
    check("over-limit Content-Length with Expect: 413 at once, no 100 Continue",
          status == 413 and took < 1.0, f"first response {status} in {took * 1000:.0f} ms")


def header_floods(srv):
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(200))
    status, _, _, took = raw_exchange(srv.port, b"GET /health HTTP/1.1\r\nHost: t\r\n" + many +
                                      b"\r\n")
    check("200 header fields: 431", status == 431, f"status {status} in {took * 1000:.0f} ms")
    status, _, _, took = raw_exchange(srv.port, b"GET /health HTTP/1.1\r\nHost: t\r\nX-Big: " +
                                      b"a" * 20000 + b"\r\n\r\n")
    check("one 20 KB header field: 431", status == 431, f"status {status} in {took * 1000:.0f} ms")
    # A flood of header bytes that never ends is cut off too, by size, not time.
    s = connect(srv.port)
    t0 = time.time()
    try:
        s.sendall(b"GET /health HTTP/1.1\r\n" + b"X-A: b\r\n" * 100000)
    except OSError:
        pass
    status, _, _, _ = read_response(s, 10)
    s.close()
    check("endless header stream: 431", status == 431,
          f"status {status} in {(time.time() - t0) * 1000:.0f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--legacy", action="store_true")
    ap.add_argument("--large-requests", type=int, default=1000)
    ap.add_argument("--rss-not-a-bar", action="store_true")
    args = ap.parse_args()
    extra = [] if args.legacy else [
        "--request-timeout", str(REQUEST_TIMEOUT), "--idle-timeout", "2",
        "--max-connections", str(MAX_CONNECTIONS)]
    with ServeProcess(args.binary, *extra) as srv:
        alive = Alive(srv)
        content_length_cases(srv)
        alive("Content-Length cases")
        pipelining(srv)
        alive("pipelining")
        header_floods(srv)
        alive("header floods")
        chunked_bomb(srv)
        alive("chunked bomb")
        gzip_bomb(srv)
        alive("gzip bombs")
        slow_loris(srv, args.legacy)
        alive("slow-loris")
        if not args.legacy:
            connection_cap(srv)
            alive("connection cap")
        large_requests(srv, args.large_requests, not args.rss_not_a_bar)
        alive("large requests")
        print(f"final RSS {srv.rss_kib() / 1024:.0f} MB")
    failed = [n for n, ok in results if not ok]
    print(f"hostile clients: {len(results) - len(failed)} passed, {len(failed)} failed")
    if failed and not args.legacy:
        sys.exit(1)


if __name__ == "__main__":
    main()
