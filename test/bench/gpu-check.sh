#!/usr/bin/env bash
# The GPU check: what the machine has (GPU, driver, Vulkan loader and driver files, CUDA libraries, a CUDA
# PyTorch), then Apprentice's WebGPU path on it: the GPU correctness suite (test/gpu: every kernel and zoo
# architecture forward and backward against the native CPU backend, the trainer's run against the CPU run,
# ONNX teachers on onnxruntime's WebGPU provider), then npm run bench:gpu (the two benchmark U-Nets on
# WebGPU, native CPU and PyTorch CUDA on the same GPU). Ends with "no hardware adapter found" (exit 3)
# where Dawn finds no adapter.
#
#   bash test/bench/gpu-check.sh                 from a checkout after npm ci (the WebGPU packages are
#                                                optional dependencies; PyTorch rows need a CUDA torch)
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
  # An offline machine without the checkout's node_modules: the kit's one-file check (kernels against the
  # stock CPU backend, a short training run, speed), bundled by test/bench/gpu/make-kit.mjs.
  NODE=${NODE:-node}
  if ! command -v "$NODE" >/dev/null && [ -f "$KIT/node.xz" ]; then
    $PY -c "import lzma,sys; open(sys.argv[2],'wb').write(lzma.open(sys.argv[1]).read())" "$KIT/node.xz" /tmp/apprentice-node
    chmod +x /tmp/apprentice-node; NODE=/tmp/apprentice-node
  fi
  "$NODE" "$KIT/webgpu-check.mjs" --steps "${STEPS:-10}" > "$RESULTS/webgpu.json"
  webgpu_rc=$?
  cat "$RESULTS/webgpu.json"
  section "PyTorch on the same GPU (reference)"
  if $PY -c 'import torch,sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    $PY "$KIT/torch_unet_device.py" --device cuda --filters 8,16,32 --size 128 --batch 8 --steps "${STEPS:-10}" | tee "$RESULTS/torch-tiny.json"
    $PY "$KIT/torch_unet_device.py" --device cuda --filters 32,64,128,256 --size 256 --batch 4 --steps "${STEPS:-10}" | tee "$RESULTS/torch-big.json"
  else
    echo "no CUDA PyTorch here: the GPU reference row is missing"
  fi
else
  # A checkout after npm ci (webgpu and tfjs-backend-webgpu are optional dependencies).
  node test/gpu/probe-adapter.mjs
  webgpu_rc=$?
  if [ $webgpu_rc -eq 0 ]; then
    section "GPU correctness suite (npm run test:gpu: every zoo kernel and architecture vs the native CPU backend)"
    npx --no-install vitest run --config test/gpu/vitest.config.ts --reporter=default --reporter=json \
      --outputFile.json="$RESULTS/gpu-suite.json"
    webgpu_rc=$?
    # Speed on a software rasteriser means nothing (and the big U-Net takes hours there): hardware only.
    node test/gpu/probe-adapter.mjs --hardware
    if [ $? -eq 3 ]; then
      [ $webgpu_rc -eq 0 ] && webgpu_rc=3
    else
      section "Speed (npm run bench:gpu: WebGPU, native CPU, PyTorch CUDA where installed; ONNX teachers)"
      npx --no-install tsx test/bench/gpu.bench.ts --steps "${STEPS:-10}" --json "$RESULTS/bench-gpu.json" || webgpu_rc=1
    fi
  fi
fi
case $webgpu_rc in
  0) echo "WebGPU: every check passed" ;;
  3) echo "WebGPU: no hardware adapter found (see the message above); no speed to measure" ;;
  *) echo "WebGPU: a check FAILED (exit $webgpu_rc)" ;;
esac
exit $webgpu_rc
