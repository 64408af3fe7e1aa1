"""SIGTERM and SIGINT (Ctrl-C) let in-flight requests finish: a slow request is under way when
`sembed serve` gets the signal; it still gets its full 200 answer, the process exits 0, names the
signal, and stops listening. Run once per signal.

Usage: sigterm_test.py SEMBED_BINARY
"""
import json
import re
import signal
import socket
import sys
import threading
import time

from serve_process import ServeProcess, wait_until


def in_flight(srv):
    status, _, body = srv.request("GET", "/metrics")
    m = re.search(r"^sembed_requests_in_flight (\d+)", body.decode(), re.M)
    return int(m.group(1)) if status == 200 and m else 0


def check_signal(binary, sig):
    srv = ServeProcess(binary)
    texts = [f"sentence number {i} " + "with many repeated words " * 40 for i in range(150)]
    result = {}

    def slow():
        result["reply"] = srv.request("POST", "/embed", {"inputs": texts, "truncate": True},
                                      timeout=300)

    t = threading.Thread(target=slow)
    t.start()
    # The /metrics request counts itself, so 2 means the slow one is in flight.
    if not wait_until(lambda: in_flight(srv) >= 2, timeout=30):
        raise AssertionError("the slow request never started")
    srv.proc.send_signal(sig)
    t.join(300)
    status, _, body = result["reply"]
    if status != 200:
        raise AssertionError(f"in-flight request got {status}: {body[:300]}")
    vectors = json.loads(body)
    if len(vectors) != len(texts) or len(vectors[0]) != 384:
        raise AssertionError("in-flight request got a partial answer")
    rc = srv.proc.wait(60)
    if rc != 0:
        raise AssertionError(f"exit status {rc}; log:\n" + "".join(srv.log))
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", srv.port)) == 0:
            raise AssertionError("still listening after SIGTERM")
    if not any(f"{sig.name} received" in line for line in srv.log):
        raise AssertionError(f"no {sig.name} shutdown message:\n" + "".join(srv.log))
    print(f"{sig.name}: in-flight request answered in full, exit 0, no longer listening")


def main(binary):
    for sig in (signal.SIGTERM, signal.SIGINT):
        check_signal(binary, sig)


if __name__ == "__main__":
    main(sys.argv[1])
