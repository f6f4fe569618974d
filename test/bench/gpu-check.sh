#!/usr/bin/env bash
# The GPU check: what the machine has (GPU, driver, Vulkan loader and driver files, CUDA libraries, a CUDA
# PyTorch), then Apprentice's WebGPU path on it (adapter, every kernel the U-Net trains with against the CPU
# backend, a short training run against the CPU run, train/inference speed of the two benchmark U-Nets),
# then PyTorch on the same GPU as the reference. Ends with "no hardware adapter found" (exit 3) where Dawn
# finds no GPU.
#
#   bash test/bench/gpu-check.sh                 from a checkout after npm ci and
#                                                npm install --no-save webgpu @tensorflow/tfjs-backend-webgpu
#   KIT=DIR bash test/bench/gpu-check.sh         an offline GPU machine, with a kit from test/bench/gpu/make-kit.mjs
# Writes everything to ${RESULTS:-test-results/gpu-check}/ (log + one JSON per part).
set -u
cd "$(dirname "$0")/../.."
RESULTS=${RESULTS:-test-results/gpu-check}
mkdir -p "$RESULTS"
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
section() { printf '\n=== %s\n' "$1"; }

section "machine"
uname -srm
grep -m1 'model name' /proc/cpuinfo; nproc
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader \
  || echo "nvidia-smi: not found"
echo "Vulkan loader: $(ldconfig -p | grep -o 'libvulkan.so.1 ' | head -1 || true)$(ldconfig -p | grep -q libvulkan.so.1 || echo none)"
echo "Vulkan ICD files:"; ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>/dev/null | sed 's/^/  /'
echo "CUDA libraries: $(ldconfig -p | grep -oE 'lib(cudart|cublas|cudnn)\.so\.[0-9]+' | sort -u | tr '\n' ' ')"
PY=${PYTHON:-python3}
$PY - <<'PY' 2>/dev/null || echo "PyTorch: not importable by $PY"
import torch
print(f"PyTorch {torch.__version__}, CUDA available: {torch.cuda.is_available()}"
      + (f", {torch.cuda.get_device_name(0)}, CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}" if torch.cuda.is_available() else ""))
PY

section "WebGPU (Dawn + tfjs-backend-webgpu)"
if [ -n "${KIT:-}" ]; then
  NODE=${NODE:-node}
  if ! command -v "$NODE" >/dev/null && [ -f "$KIT/node.xz" ]; then
    $PY -c "import lzma,sys; open(sys.argv[2],'wb').write(lzma.open(sys.argv[1]).read())" "$KIT/node.xz" /tmp/apprentice-node
    chmod +x /tmp/apprentice-node; NODE=/tmp/apprentice-node
  fi
  CHECK=("$NODE" "$KIT/webgpu-check.mjs")
else
  CHECK=(npx --no-install tsx test/bench/gpu/webgpu-check.ts)
fi
"${CHECK[@]}" --steps "${STEPS:-10}" > "$RESULTS/webgpu.json"
webgpu_rc=$?
cat "$RESULTS/webgpu.json"
case $webgpu_rc in
  0) echo "WebGPU: every check passed" ;;
  3) echo "WebGPU: no hardware adapter found (see the message above); nothing else to check on the GPU" ;;
  *) echo "WebGPU: a check FAILED (exit $webgpu_rc)" ;;
esac

section "PyTorch on the same GPU (reference)"
TORCH_SCRIPT=${KIT:+$KIT/torch_unet_device.py}
TORCH_SCRIPT=${TORCH_SCRIPT:-test/bench/gpu/torch_unet_device.py}
if $PY -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  $PY "$TORCH_SCRIPT" --device cuda --filters 8,16,32 --size 128 --batch 8 --steps "${STEPS:-10}" | tee "$RESULTS/torch-tiny.json"
  $PY "$TORCH_SCRIPT" --device cuda --filters 32,64,128,256 --size 256 --batch 4 --steps "${STEPS:-10}" | tee "$RESULTS/torch-big.json"
else
  echo "no CUDA PyTorch here: the GPU reference row is missing"
fi
exit $webgpu_rc
