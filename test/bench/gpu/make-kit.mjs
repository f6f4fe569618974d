#!/usr/bin/env node
// Packs the GPU check for a GPU machine that cannot run `npm ci` (no registry access, as on many cluster
// nodes): one bundled script (tfjs, tfjs-backend-webgpu and the engine's U-Net inside), Dawn's native
// `webgpu` module for linux-x64, the PyTorch reference and, with --with-node, this machine's Node binary
// (xz). Then: KIT=<dir> bash test/bench/gpu-check.sh on the GPU machine.
//   node test/bench/gpu/make-kit.mjs [--out .gpu-kit] [--with-node]
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const { values } = parseArgs({
  options: { out: { type: 'string', default: join(root, '.gpu-kit') }, 'with-node': { type: 'boolean' } },
});
const kit = values.out;
const webgpu = join(root, 'node_modules', 'webgpu');
if (!existsSync(join(webgpu, 'dist', 'linux-x64', 'dawn.node'))) {
  console.error(
    'make-kit: node_modules/webgpu is missing (an optional dependency): npm ci, or npm install webgpu @tensorflow/tfjs-backend-webgpu',
  );
  process.exit(2);
}
rmSync(kit, { recursive: true, force: true });
mkdirSync(kit, { recursive: true });

await build({
  entryPoints: [join(here, 'webgpu-check.ts')],
  outfile: join(kit, 'webgpu-check.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['webgpu'],
  // tfjs packages declare themselves side-effect free, but importing a backend is how it registers.
  ignoreAnnotations: true,
  // Some tfjs dependencies are CommonJS and call require(): give the ES module bundle one.
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});

const dest = join(kit, 'node_modules', 'webgpu');
mkdirSync(join(dest, 'dist'), { recursive: true });
for (const f of ['index.js', 'package.json', 'LICENSE.md']) copyFileSync(join(webgpu, f), join(dest, f));
cpSync(join(webgpu, 'dist', 'linux-x64'), join(dest, 'dist', 'linux-x64'), { recursive: true });
copyFileSync(join(here, 'torch_unet_device.py'), join(kit, 'torch_unet_device.py'));
if (values['with-node']) {
  writeFileSync(
    join(kit, 'node.xz'),
    execFileSync('xz', ['-T2', '-6', '-c', process.execPath], { maxBuffer: 1 << 30 }),
  );
}
console.log(`GPU check kit in ${kit}`);
