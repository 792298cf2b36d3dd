#!/bin/bash
# Packs what bench/gpu/run.sh needs on a GPU machine that has neither Node.js nor a Vulkan loader into
# build/gpu-carry/ (git-ignored: pass it to the device tool's `carry`):
#   gpu.js            bench/gpu/gpu.ts bundled by esbuild (tsx's own dependency), onnxruntime-node left out
#   ortnode.tar.xz    this machine's node binary, onnxruntime-node (its linux-x64 binding only), onnxruntime-common
#   libvulkan1_*.deb  Debian's Vulkan loader (the NVIDIA driver there brings its own ICD)
# Run from the repository root after `npm ci` (needs apt-get download, i.e. Debian's package index).
set -euo pipefail
OUT=build/gpu-carry
rm -rf "$OUT"
mkdir -p "$OUT"
node_modules/.bin/esbuild bench/gpu/gpu.ts --bundle --platform=node --target=node20 --external:onnxruntime-node \
  --outfile="$OUT/gpu.js" --log-level=warning
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/node_modules/onnxruntime-node/bin/napi-v6/linux" "$T/bin"
cp -r node_modules/onnxruntime-common "$T/node_modules/"
cp -r node_modules/onnxruntime-node/dist node_modules/onnxruntime-node/lib node_modules/onnxruntime-node/package.json "$T/node_modules/onnxruntime-node/"
cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$T/node_modules/onnxruntime-node/bin/napi-v6/linux/"
cp "$(command -v node)" "$T/bin/node"
tar cf - -C "$T" . | xz -T2 -6 > "$OUT/ortnode.tar.xz"
(cd "$OUT" && apt-get -oAPT::Architecture=amd64 download libvulkan1 >/dev/null)
du -sh "$OUT"/*
