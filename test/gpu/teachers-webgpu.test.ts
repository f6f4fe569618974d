/**
 * ONNX teachers on onnxruntime's WebGPU provider, through the product's runner, against the same teachers
 * on the CPU provider: the same probability maps (relative L2 <= 1e-4), and the provider reported as
 * webgpu (no fall back). Asked for explicitly, as on a software adapter (lavapipe) 'auto' keeps the CPU;
 * inputs are small because lavapipe is slow.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadTeacherCard } from '../../electron/teachers/card.js';
import { readTeacherImages } from '../../electron/teachers/images.js';
import { openOnnxTeacher, type OnnxOptions } from '../../electron/teachers/onnx-runner.js';
import type { TeacherImage } from '../../electron/teachers/preprocess.js';
import type { TeacherRunner } from '../../electron/teachers/runner.js';
import { listFiles } from '../../electron/util/files.js';
import { REPO_ROOT, SHARED_DIR } from '../helpers/temp.js';

const TINY = join(REPO_ROOT, 'test', 'fixtures', 'kvasir-tiny-teacher', 'kvasir-tiny-teacher.json');
const UNET = join(SHARED_DIR, 'teachers', 'unet-busi.json');

function relL2(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i]! - b[i]!) ** 2;
    n += b[i]! ** 2;
  }
  return Math.sqrt(d / Math.max(n, 1e-30));
}

const opened: TeacherRunner[] = [];
afterAll(async () => {
  await Promise.all(opened.map((r) => r.dispose()));
});
const savedEnv = process.env.APPRENTICE_TEACHER_PROVIDER;
afterEach(() => {
  if (savedEnv === undefined) delete process.env.APPRENTICE_TEACHER_PROVIDER;
  else process.env.APPRENTICE_TEACHER_PROVIDER = savedEnv;
});

async function compare(card: string, images: TeacherImage[], gpuOpts: OnnxOptions): Promise<void> {
  const c = loadTeacherCard(card);
  const told: string[] = [];
  const gpu = await openOnnxTeacher(c, { ...gpuOpts, onNotice: (m) => told.push(m) });
  opened.push(gpu);
  const cpu = await openOnnxTeacher(c, { provider: 'cpu', inProcess: true });
  opened.push(cpu);
  expect(told).toEqual([]);
  expect(gpu.provider).toBe('webgpu');
  expect(cpu.provider).toBe('cpu');
  const [g, r] = [await gpu.predict(images), await cpu.predict(images)];
  // Still on the GPU after real batches: a failed run would have moved it to the CPU with a notice.
  expect(gpu.provider).toBe('webgpu');
  expect(gpu.notices).toEqual([]);
  expect(g).toHaveLength(images.length);
  g.forEach((res, k) => {
    const ref = r[k]!;
    if (!res.ok || !ref.ok) throw new Error(`image ${images[k]!.name} failed: ${JSON.stringify([res, ref])}`);
    expect(res.prob.length).toBe(images[k]!.rows * images[k]!.cols);
    expect(relL2(res.prob, ref.prob)).toBeLessThanOrEqual(1e-4);
  });
}

describe('ONNX teachers on the WebGPU provider give the CPU provider maps', () => {
  it('the tiny colour teacher, a Kvasir image and two synthetic ones as one batch in a worker thread, asked for through APPRENTICE_TEACHER_PROVIDER', async () => {
    process.env.APPRENTICE_TEACHER_PROVIDER = 'webgpu';
    const polyp = await readTeacherImages(listFiles(join(SHARED_DIR, 'data', 'kvasir-seg', 'images'))[0]!);
    const synthetic: TeacherImage[] = [0, 1].map((k) => ({
      name: `synthetic${k}`,
      rows: 45,
      cols: 30,
      channels: 3,
      pixels: Uint8Array.from({ length: 45 * 30 * 3 }, (_, i) => (i * (11 + k) + ((i / 90) | 0)) % 256),
    }));
    await compare(TINY, [polyp[0]!, ...synthetic], { batchSize: 3 });
  });

  it('unet-busi (a shared teacher, 256 x 256) on one BUS-BRA image, in this thread', async () => {
    const file = listFiles(join(SHARED_DIR, 'data', 'bus-bra', 'images'))[0]!;
    const images = await readTeacherImages(file);
    await compare(UNET, images, { provider: 'webgpu', inProcess: true, batchSize: 1 });
  });
});
