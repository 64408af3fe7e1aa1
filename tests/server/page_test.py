#!/usr/bin/env python3
"""The similarity page in headless Chromium (Debian's `chromium`, installed by scripts/setup.sh):
`sembed serve` answers GET / with the page for a browser, the page runs a matrix and a search
against the server, and the numbers it shows are the ones `sembed similarity --matrix --json`
and `sembed search --json` print (themselves checked against sentence-transformers by
cli_options); a screenshot of it is written (SEMBED_PAGE_SCREENSHOT, default
build/similarity-page.png). Also `sembed similarity --matrix --html FILE`, opened from disk, and
the /similarity_matrix route's errors.

    page_test.py BUILD/sembed
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import urllib.parse

from serve_process import ServeProcess

SENTENCES = ["A man is eating food.", "A man is eating a piece of bread.",
             "The girl is carrying a baby.", "A man is riding a horse."]
CORPUS = ["A man is eating food.", "The girl is carrying a baby.", "A man is riding a horse.",
          "A woman is playing violin."]
QUERY = "Someone is eating."


def chromium(*args):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    assert exe, "chromium is not installed (scripts/setup.sh installs Debian's chromium)"
    r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--virtual-time-budget=15000", *args], capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def cells(dom):
    """The heatmap's scores as the page holds them: {(row, col): float}."""
    out = {}
    for m in re.finditer(r'<td data-score="([^"]+)" data-row="(\d+)" data-col="(\d+)"', dom):
        out[(int(m.group(2)), int(m.group(3)))] = float(m.group(1))
    return out


def cli_matrix(binary, texts, metric):
    r = subprocess.run([binary, "similarity", "--matrix", "--json", "--metric", metric, *texts],
                       capture_output=True, text=True, check=True)
    return json.loads(r.stdout)["scores"]


def check_matrix(dom, expected, what):
    got = cells(dom)
    n = len(expected)
    assert len(got) == n * n, f"{what}: {len(got)} cells, expected {n * n}"
    worst = max(abs(got[(i, j)] - expected[i][j]) for i in range(n) for j in range(n))
    assert worst <= 1e-6, f"{what}: page and `sembed similarity` differ by {worst}"
    return worst


def main(binary):
    shot = os.environ.get("SEMBED_PAGE_SCREENSHOT",
                          os.path.join(os.path.dirname(binary), "similarity-page.png"))
    with ServeProcess(binary) as srv:
        status, headers, body = srv.request("GET", "/", headers={"Accept": "text/html"})
        assert status == 200 and headers["Content-Type"].startswith("text/html"), (status, headers)
        assert b"SEMBED_DATA" in body and b"<script" in body
        for asset in re.findall(rb'(?:src|href)="([^"#]+)"', body):
            raise AssertionError(f"the page loads an external asset: {asset!r}")
        status, _, body = srv.request("GET", "/")
        assert status == 200 and json.loads(body) == {"status": "ok"}, body  # load balancers
        status, _, body = srv.request("POST", "/similarity_matrix", {"sentences": ["a"], "metric": "nope"})
        assert status == 422 and b"metric" in body, body
        status, _, body = srv.request("POST", "/similarity_matrix", {"sentences": []})
        assert status == 400, body

        for metric in ("cosine", "manhattan"):
            query = urllib.parse.urlencode([("s", s) for s in SENTENCES] + [("c", c) for c in CORPUS]
                                           + [("q", QUERY), ("metric", metric), ("run", "1")])
            url = f"{srv.url}/?{query}"
            dom = chromium("--dump-dom", url)
            assert 'data-done="1"' in dom, dom[-3000:]
            worst = check_matrix(dom, cli_matrix(binary, SENTENCES, metric), f"served page, {metric}")
            hits = [int(m.group(1)) for m in re.finditer(r'<li data-corpus-id="(\d+)"', dom)]
            with tempfile.NamedTemporaryFile("w", suffix=".txt") as corpus:
                corpus.write("".join(c + "\n" for c in CORPUS))
                corpus.flush()
                r = subprocess.run([binary, "search", "--corpus", corpus.name, "--metric", metric,
                                    "--top-k", str(len(CORPUS)), "--json", QUERY],
                                   capture_output=True, text=True, check=True)
            want = [h["corpus_id"] for h in json.loads(r.stdout)["hits"]]
            assert hits == want, f"search order {hits}, `sembed search` {want}"
            print(f"served page, {metric}: {len(SENTENCES)}x{len(SENTENCES)} matrix within {worst:.1e} "
                  f"of `sembed similarity`; search order as `sembed search`")
            if metric == "cosine":
                chromium("--window-size=1100,820", f"--screenshot={shot}", url)
        with open(shot, "rb") as f:
            png = f.read()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10000, f"screenshot {shot}: {len(png)} bytes"
        print(f"screenshot: {shot} ({len(png)} bytes)")

    with tempfile.TemporaryDirectory() as d:
        page = os.path.join(d, "matrix.html")
        subprocess.run([binary, "similarity", "--matrix", "--html", page, *SENTENCES], check=True,
                       capture_output=True)
        dom = chromium("--dump-dom", "file://" + page)
        assert 'data-done="1"' in dom, dom[-3000:]
        worst = check_matrix(dom, cli_matrix(binary, SENTENCES, "cosine"), "written page")
        assert worst == 0, f"the written page's numbers differ from --json by {worst}"
        print("written page: the same numbers as --json")
    print("page test: ok")


if __name__ == "__main__":
    main(sys.argv[1])
