import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProjectStore } from '../../../electron/store/project-store.js';
import type { ImageRecord } from '../../../electron/store/images.js';

export const APP_VERSION = '0.1.0-test';

/** A fresh temp folder; removed by the returned cleanup. */
export function tempDir(prefix = 'apprentice-store-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A project with one dataset and one rows x cols uint8 image. */
export function projectWithImage(
  dir: string,
  rows = 32,
  cols = 48,
): { store: ProjectStore; image: ImageRecord } {
  const store = ProjectStore.create(dir, { name: 'Test project', appVersion: APP_VERSION });
  const ds = store.datasets.add({ name: 'transferal', role: 'transferal' });
  const image = store.images.addWithPixels(
    {
      datasetId: ds.id,
      rows,
      cols,
      channels: 1,
      dtype: 'uint8',
      spacing: [0.7, 0.7],
      source: { kind: 'png', path: '/data/a.png', caseId: 'case-1' },
    },
    patternMask(rows * cols, 1),
  );
  return { store, image };
}

/** A deterministic pseudo-random label mask (values 0..3) from a seed: different seeds, different masks. */
export function patternMask(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 3;
  }
  return out;
}
