#!/bin/bash
# On the GPU machine, from the repository root, with build/gpu-carry/ carried (bench/gpu/make_carry.sh): unpack node,
# onnxruntime-node and the Vulkan loader, point Vulkan at the NVIDIA driver, and run the bench. Results go to $OUT
# (results.md, results.json) and stdout. Extra environment (BENCH_GPU_LAYERS, BENCH_STEPS, ...) passes through.
set -euo pipefail
C=build/gpu-carry
T=$(mktemp -d)
for f in "$C"/libvulkan1_*.deb; do dpkg -x "$f" "$T/vk"; done
mkdir -p "$T/ortn" && tar xJf "$C/ortnode.tar.xz" -C "$T/ortn"
export LD_LIBRARY_PATH="$T/vk/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
  if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
done
export XDG_RUNTIME_DIR="$T"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
echo "Vulkan ICD: ${VK_DRIVER_FILES:-none found}"
BENCH_GPU_DIR="${BENCH_GPU_DIR:-$T}" NODE_PATH="$T/ortn/node_modules" "$T/ortn/bin/node" "$C/gpu.js"
