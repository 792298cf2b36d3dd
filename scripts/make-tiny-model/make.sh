#!/usr/bin/env bash
# Rebuilds fixtures/tiny-model (the demo model shipped with the extension and used by the tests):
# SQL corpus -> byte-level BPE tokenizer -> 2-layer Qwen2-architecture model trained ~1 minute on 2 cores -> ONNX.
# Needs Debian's python3-torch python3-onnx python3-numpy (apt-get install -y --no-install-recommends ...).
#
# `make.sh --corpus edit` instead builds the copy-capable benchmark model of bench/generate/copy.ts into
# build/tiny-model-edit/out (git-ignored, never committed): "rewrite the file with this one-line change"
# conversations over JavaScript/TypeScript from node_modules (editCorpus.ts), a 2048-token BPE, a 2-layer hidden-128
# model with a 4096-token context trained under `nice` for TIME_LIMIT seconds of wall clock (default 2400).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" = "--corpus" ] && [ "${2:-}" = "edit-long" ]; then
  # Continues the edit model (build it first with --corpus edit) on copies from further back, so it can rewrite a
  # 300-line file (~5,500 tokens back): files of up to 16,000 characters, documents of 5,000-13,000 tokens plus 12% of
  # the shorter ones, 7,168-token windows, context 8192, lr 1e-3, TIME_LIMIT seconds (default 3000) -> build/tiny-model-edit-long/out
  A=build/tiny-model-edit/out
  B=build/tiny-model-edit-long
  [ -f "$A/torch_state.pt" ] || { echo "build the edit model first: $0 --corpus edit" >&2; exit 1; }
  rm -rf "$B/out" && mkdir -p "$B/out" && cp "$A/tokenizer.json" "$A/tokenizer_config.json" "$B/out/"
  npx tsx scripts/make-tiny-model/editCorpus.ts "$B/corpus.txt" "${DOCS:-9000}" 16000 777
  npx tsx scripts/make-tiny-model/encode.ts "$B/out" "$B/corpus.txt" "$B/corpus.u16" "$B/corpus.mask.u8"
  /usr/bin/python3 - "$B" <<'PY'
import sys, numpy as np
b = sys.argv[1]
ids = np.fromfile(b + '/corpus.u16', dtype=np.uint16); m = np.fromfile(b + '/corpus.mask.u8', dtype=np.uint8)
ends = np.nonzero(ids == 2045)[0]; starts = np.concatenate([[0], ends[:-1] + 1])  # 2045: <|endoftext|>
rng = np.random.default_rng(0)
keep = [(a, e) for a, e in zip(starts, ends) if 5000 <= e - a + 1 <= 13000 or rng.random() < 0.12]
np.concatenate([ids[a:e + 1] for a, e in keep]).tofile(b + '/long.u16'); np.concatenate([m[a:e + 1] for a, e in keep]).tofile(b + '/long.mask.u8')
print(f'{len(keep)} documents kept')
PY
  OPENBLAS_NUM_THREADS="${THREADS:-2}" OMP_NUM_THREADS="${THREADS:-2}" nice /usr/bin/python3 scripts/make-tiny-model/train_export.py \
    --ids "$B/long.u16" --out "$B/out" --vocab 2048 --hidden 128 --intermediate 256 --layers 2 --heads 4 --kv-heads 2 \
    --max-pos 8192 --rope-theta 1e6 --seq 7168 --batch 1 --lr 1e-3 --steps 1000000 --time-limit "${TIME_LIMIT:-3000}" \
    --align-docs --mask "$B/long.mask.u8" --prompt-weight 0.3 --bf16 --threads "${THREADS:-2}" --tasks '' --init-from "$A/torch_state.pt"
  cp scripts/make-tiny-model/EDIT_MODEL_CARD.md "$B/out/README.md"
  du -sh "$B/out"
  exit 0
fi
if [ "${1:-}" = "--corpus" ] && [ "${2:-}" = "edit" ]; then
  B=build/tiny-model-edit
  rm -rf "$B/out"
  # main corpus: files of up to 6000 characters (answers up to ~2000 tokens); warm-up corpus: files of up to 600
  npx tsx scripts/make-tiny-model/editCorpus.ts "$B/corpus.txt" "${DOCS:-5000}" "${MAX_CHARS:-6000}"
  npx tsx scripts/make-tiny-model/editCorpus.ts "$B/warm.txt" "${WARM_DOCS:-20000}" 600 12345
  head -c 1500000 "$B/corpus.txt" > "$B/bpe-sample.txt" # the BPE trainer is quadratic-ish: learn merges on a sample
  npx tsx scripts/make-tiny-model/bpe.ts "$B/bpe-sample.txt" "$B/out" 2048
  npx tsx scripts/make-tiny-model/encode.ts "$B/out" "$B/corpus.txt" "$B/corpus.u16" "$B/corpus.mask.u8"
  npx tsx scripts/make-tiny-model/encode.ts "$B/out" "$B/warm.txt" "$B/warm.u16" "$B/warm.mask.u8"
  # two threads (THREADS) for torch and OpenBLAS; on a machine shared with other work, one.
  # --bf16: bfloat16 autocast (AMX through oneDNN where the CPU has it). rope_theta 1e6 as Qwen2.5; context 4096,
  # the length of the second phase's windows (a copy reaches back at most about half a window: bench/generate/README.md).
  OPENBLAS_NUM_THREADS="${THREADS:-2}" OMP_NUM_THREADS="${THREADS:-2}" nice /usr/bin/python3 scripts/make-tiny-model/train_export.py \
    --ids "$B/corpus.u16" --out "$B/out" --vocab 2048 --hidden 128 --intermediate 256 --layers 2 --heads 4 --kv-heads 2 \
    --max-pos 4096 --rope-theta 1e6 --seq 4096 --batch 1 --lr 3e-3 --steps 1000000 --time-limit "${TIME_LIMIT:-2400}" \
    --warm-ids "$B/warm.u16" --warm-mask "$B/warm.mask.u8" --warm-seq 512 --warm-batch 8 --warm-frac 0.35 \
    --align-docs --mask "$B/corpus.mask.u8" --prompt-weight 0.3 --prev-token-init --bf16 --threads "${THREADS:-2}" --tasks ''
  cp scripts/make-tiny-model/EDIT_MODEL_CARD.md "$B/out/README.md"
  du -sh "$B/out"
  exit 0
fi
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
