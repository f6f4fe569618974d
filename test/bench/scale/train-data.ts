/**
 * Folders of images and masks for the training and labelling scale runs: copies of BUS-BRA's real image
 * and mask pairs (../shared/data/bus-bra), each copy cropped, flipped and resampled to its own size
 * (144-208 px) from a seed, so no two files are equal. The largest set is written once; smaller sets are
 * hard links to its first files, so every size holds the same images. Written under /tmp, not in git.
 *
 *   tsx test/bench/scale/train-data.ts --out /tmp/apprentice-train-scale --sizes 5000,50000
 */
import {
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { decode, encode } from 'fast-png';
import { Rng } from '../../../electron/students/rng.js';

const BUS_BRA = resolve(import.meta.dirname, '..', '..', '..', '..', 'shared', 'data', 'bus-bra');

export interface PairFolders {
  images: string;
  masks: string;
  pairs: number;
}

/** The product's seeded generator (sfc32), as a function of no arguments. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.next();
}

interface Grey {
  width: number;
  height: number;
  data: Uint8Array;
}

function readGrey(path: string): Grey {
  const png = decode(readFileSync(path));
  const ch = png.channels;
  const data = new Uint8Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = Number(png.data[i * ch]);
  return { width: png.width, height: png.height, data };
}

/** Copy `index` of a source pair: a crop of 75-100 %, flipped half the time, resampled (nearest). */
function copyOf(img: Grey, mask: Grey, index: number): { img: Grey; mask: Grey } {
  const r = rng(index * 7919 + 17);
  const f = 0.75 + 0.25 * r();
  const cw = Math.max(8, Math.floor(img.width * f)),
    ch = Math.max(8, Math.floor(img.height * f));
  const x0 = Math.floor(r() * (img.width - cw + 1)),
    y0 = Math.floor(r() * (img.height - ch + 1));
  const flip = r() < 0.5;
  const size = 144 + 16 * Math.floor(r() * 5);
  const sample = (src: Grey): Grey => {
    const out = new Uint8Array(size * size);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const sx = x0 + Math.min(cw - 1, Math.floor(((flip ? size - 1 - x : x) + 0.5) * (cw / size)));
        const sy = y0 + Math.min(ch - 1, Math.floor((y + 0.5) * (ch / size)));
        out[y * size + x] = src.data[sy * src.width + sx]!;
      }
    return { width: size, height: size, data: out };
  };
  return { img: sample(img), mask: sample(mask) };
}

const png = (g: Grey) => encode({ width: g.width, height: g.height, data: g.data, channels: 1, depth: 8 });

/** Name of copy `index`: the patient stays in the name, so `^(bus_\d+)` groups a patient's copies. */
function nameOf(stem: string, index: number): string {
  return `${stem}_k${String(index).padStart(6, '0')}.png`;
}

/** Writes (or reuses) the largest set, then links the smaller ones to its first files. */
export function ensurePairFolders(root: string, sizes: readonly number[]): Map<number, PairFolders> {
  const largest = Math.max(...sizes);
  const full = join(root, `pairs-${largest}`);
  const done = join(full, 'done.json');
  const stems = readdirSync(join(BUS_BRA, 'masks'))
    .filter((n) => n.endsWith('.png'))
    .map((n) => n.slice(0, -4))
    .sort();
  // Copy index -> source: index % sources, so the first n copies are spread over every patient.
  const names = [...Array(largest).keys()].map((i) => nameOf(stems[i % stems.length]!, i));
  if (!existsSync(done)) {
    const tmp = `${full}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'images'), { recursive: true });
    mkdirSync(join(tmp, 'masks'), { recursive: true });
    const t0 = Date.now();
    stems.forEach((stem, s) => {
      const img = readGrey(join(BUS_BRA, 'images', `${stem}.png`));
      const mask = readGrey(join(BUS_BRA, 'masks', `${stem}.png`));
      for (let i = s; i < largest; i += stems.length) {
        const c = copyOf(img, mask, i);
        writeFileSync(join(tmp, 'images', names[i]!), png(c.img));
        writeFileSync(join(tmp, 'masks', names[i]!), png(c.mask));
      }
      if (s % 100 === 99)
        process.stderr.write(
          `[train-data] ${s + 1}/${stems.length} sources, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`,
        );
    });
    writeFileSync(join(tmp, 'done.json'), JSON.stringify({ pairs: largest, sources: stems.length }));
    rmSync(full, { recursive: true, force: true });
    renameSync(tmp, full);
  }
  const out = new Map<number, PairFolders>();
  for (const n of sizes) {
    const dir = n === largest ? full : join(root, `pairs-${n}`);
    if (n !== largest && !existsSync(join(dir, 'done.json'))) {
      rmSync(dir, { recursive: true, force: true });
      for (const kind of ['images', 'masks']) {
        mkdirSync(join(dir, kind), { recursive: true });
        for (const name of names.slice(0, n)) linkSync(join(full, kind, name), join(dir, kind, name));
      }
      writeFileSync(join(dir, 'done.json'), JSON.stringify({ pairs: n, linkedFrom: full }));
    }
    out.set(n, { images: join(dir, 'images'), masks: join(dir, 'masks'), pairs: n });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: '/tmp/apprentice-train-scale' },
      sizes: { type: 'string', default: '5000,50000' },
    },
  });
  const sizes = values.sizes.split(',').map(Number);
  for (const [n, f] of ensurePairFolders(values.out, sizes)) console.log(`${n}: ${f.images} + ${f.masks}`);
}
