// Is there a WebGPU adapter here? Prints it and exits 0, or says why not and exits 3. Used by
// test/run-all.mjs to decide whether the GPU suite can run (a software adapter such as lavapipe counts),
// and with --hardware by test/bench/gpu-check.sh, where a software adapter does not count.
const hardware = process.argv.includes('--hardware');
try {
  const dawn = await import('webgpu');
  Object.assign(globalThis, dawn.globals);
  const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    console.log(
      `no ${hardware ? 'hardware ' : ''}adapter found: Dawn found no WebGPU adapter (no GPU driver with Vulkan / Metal / D3D12, and no software Vulkan such as Mesa lavapipe >= 24)`,
    );
    process.exit(3);
  }
  const i = adapter.info;
  const named = `${i.description || i.device} (vendor ${i.vendor}, architecture ${i.architecture})`;
  const software = i.isFallbackAdapter === true || i.architecture === 'software';
  if (hardware && software) {
    console.log(`no hardware adapter found: only a software one, ${named}`);
    process.exit(3);
  }
  console.log(named);
  process.exit(0);
} catch (err) {
  console.log(`no adapter found: the webgpu package cannot be loaded: ${String(err.message).split('\n')[0]}`);
  process.exit(3);
}
