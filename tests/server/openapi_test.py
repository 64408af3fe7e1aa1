"""sembed's OpenAPI description (GET /openapi.json, source src/server/openapi.json) against the
real server (with a cross-encoder fixture as --reranker), with schemathesis: every operation, schema-driven and negative inputs (coverage and
fuzzing phases, 25 examples per operation, deterministic); the bars are no 5xx answer and no
response that violates the documented schema. Also: every path the description lists is served.

    openapi_test.py BUILD/sembed
"""
import json
import os
import subprocess
import sys
import time

from serve_process import ServeProcess


def main(binary):
    schemathesis = os.path.join(os.path.dirname(sys.executable), "schemathesis")
    # With a reranker (a random-weight cross-encoder fixture), so /rerank and /predict are fuzzed
    # through the model, not only up to their 424.
    reranker = os.path.join(os.path.dirname(__file__), "..", "fixtures", "cross_encoders", "bert")
    with ServeProcess(binary, "--max-client-batch-size", "64", "--reranker", reranker) as srv:
        status, _, body = srv.request("GET", "/openapi.json")
        assert status == 200, status
        spec = json.loads(body)
        for path, ops in spec["paths"].items():
            for method in ops:
                st, _, _ = srv.request(method.upper(), path,
                                       body=b"{}" if method == "post" else None)
                assert st != 404, f"{method.upper()} {path} is described but not served"
        t0 = time.time()
        run = subprocess.run(
            [schemathesis, "run", srv.url + "/openapi.json",
             "--checks", "not_a_server_error,response_schema_conformance",
             "-n", "25", "--generation-deterministic", "--request-timeout", "30"],
            capture_output=True, text=True, timeout=600)
        tail = "\n".join(run.stdout.splitlines()[-25:])
        print(tail)
        print(f"schemathesis: exit {run.returncode} in {time.time() - t0:.0f} s")
        if run.returncode != 0:
            print(run.stdout[-20000:], run.stderr[-5000:])
            sys.exit(1)
    print("openapi test: ok")


if __name__ == "__main__":
    main(sys.argv[1])
