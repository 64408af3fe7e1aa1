#!/usr/bin/env bash
# Python package tests: `pip install .` into a fresh venv, then pytest tests/python (parity with
# sentence-transformers' goldens, util, pickling, threads, fork, errors). Called by scripts/test.sh
# after scripts/setup.sh has built build/ and fetched the default model.
#   scripts/test_python.sh [pytest args]
# The pip build goes to build-pip/ (kept between runs, so a rerun only rebuilds what changed).
# When ccache is installed the library objects are cache hits from the build/ compile: same
# compiler (read from build/CMakeCache.txt), same flags, so pip compiles only the extension.
# Environment: SEMBED_BUILD_DIR (default build), SEMBED_PY_VENV (default build-pip/venv),
# SEMBED_TEST_RAY=0 to skip installing Ray Data (tests/python/test_ray.py then skips its Ray test).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build_dir=${SEMBED_BUILD_DIR:-build}
venv=$(realpath -m "${SEMBED_PY_VENV:-build-pip/venv}")

# A fresh venv every time: the test is that `pip install .` works from nothing but PyPI.
python3 -m venv --clear "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-python-test.txt
if [ "${SEMBED_TEST_RAY:-1}" != 0 ]; then
  "$venv/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-ray-test.txt
fi

pip_args=(-C build-dir=build-pip)
if command -v ccache >/dev/null; then
  pip_args+=(-C cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cxx=$(sed -n 's/^CMAKE_CXX_COMPILER:FILEPATH=//p' "$build_dir/CMakeCache.txt" 2>/dev/null || true)
  [ -n "$cxx" ] && pip_args+=(-C "cmake.define.CMAKE_CXX_COMPILER=$cxx")
fi
start=$(date +%s)
"$venv/bin/pip" install -q --disable-pip-version-check "${pip_args[@]}" .
echo "test_python: pip install . took $(( $(date +%s) - start )) s" >&2

# From outside the checkout, so that `import sembed` is the installed package.
cd /tmp
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/tests/python" "$@"
