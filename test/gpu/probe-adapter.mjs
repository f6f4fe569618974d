// Is there a WebGPU adapter here? Prints it and exits 0, or says why not and exits 3. Used by
// test/run-all.mjs to decide whether the GPU suite can run (a software adapter such as lavapipe counts).
try {
  const dawn = await import('webgpu');
  Object.assign(globalThis, dawn.globals);
  const adapter = await dawn.create([]).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    console.log(
      'no WebGPU adapter found (no GPU driver, and no software Vulkan such as Mesa lavapipe >= 24)',
    );
    process.exit(3);
  }
  const i = adapter.info;
  console.log(`${i.description || i.device} (vendor ${i.vendor}, architecture ${i.architecture})`);
  process.exit(0);
} catch (err) {
  console.log(`the webgpu package cannot be loaded: ${String(err.message).split('\n')[0]}`);
  process.exit(3);
}
