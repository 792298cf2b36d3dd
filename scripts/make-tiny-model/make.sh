#!/usr/bin/env bash
# Rebuilds fixtures/tiny-model (the demo model shipped with the extension and used by the tests):
# SQL corpus -> byte-level BPE tokenizer -> 2-layer Qwen2-architecture model trained ~1 minute on 2 cores -> ONNX.
# Needs Debian's python3-torch python3-onnx python3-numpy (apt-get install -y --no-install-recommends ...).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=build/tiny-model
rm -rf "$B/out"
npx tsx scripts/make-tiny-model/corpus.ts "$B/corpus.txt" 6000
npx tsx scripts/make-tiny-model/bpe.ts "$B/corpus.txt" "$B/out" 512
npx tsx scripts/make-tiny-model/encode.ts "$B/out" "$B/corpus.txt" "$B/corpus.u16"
/usr/bin/python3 scripts/make-tiny-model/train_export.py --ids "$B/corpus.u16" --out "$B/out" --steps "${STEPS:-300}" --threads "${THREADS:-1}"
mkdir -p test/fixtures
mv "$B/out/reference_logits.json" test/fixtures/tiny-model-reference.json
cp scripts/make-tiny-model/MODEL_CARD.md "$B/out/README.md"
rm -rf fixtures/tiny-model && cp -r "$B/out" fixtures/tiny-model
du -sh fixtures/tiny-model
