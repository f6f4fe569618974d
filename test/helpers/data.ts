// Small real datasets for tests, copied from ../shared/data into a test's temporary folder.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DIR } from './temp.js';

export const BUS_BRA = join(SHARED_DIR, 'data', 'bus-bra');

/**
 * Copies the first `count` BUS-BRA images (by name) into `<dir>/images`, and their masks into
 * `<dir>/masks` unless `masks` is false. Returns the folders and the file names.
 */
export function copyBusBra(
  dir: string,
  count: number,
  opts: { masks?: boolean } = {},
): { images: string; masks: string; names: string[] } {
  const images = join(dir, 'images');
  const masks = join(dir, 'masks');
  mkdirSync(images, { recursive: true });
  const names = readdirSync(join(BUS_BRA, 'images')).sort().slice(0, count);
  for (const n of names) copyFileSync(join(BUS_BRA, 'images', n), join(images, n));
  if (opts.masks !== false) {
    mkdirSync(masks, { recursive: true });
    for (const n of names) copyFileSync(join(BUS_BRA, 'masks', n), join(masks, n));
  }
  return { images, masks, names };
}
