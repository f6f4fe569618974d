/**
 * A study's students: a U-Net trained by the product's own `runTransfer` on one label set, given as a
 * folder-of-masks teacher (the product's own kind), and scored on the test split's true masks. The same
 * settings as bench:transfer for every label set, so only the labels differ.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { to255 } from '../../../electron/teachers/folder-run.js';
import { writeGreyPng } from '../../../electron/teachers/png.js';
import type { TransferSpecInput } from '../../../shared/transfer.js';
import type { ImageMaps } from './map-cache.js';

/** The folders a transfer reads: the transferal images and the labeled test split. */
export interface StudentData {
  transferal: string;
  testImages: string;
  testMasks: string;
}

/** Copies the split's images (and the test masks) under OUT/data, where the transfer reads them. */
export function writeStudentData(
  out: string,
  split: { transferal: readonly string[]; test: readonly string[] },
  imagePath: (id: string) => string,
  maskPath: (id: string) => string,
): StudentData {
  const data = join(out, 'data');
  const dirs: StudentData = {
    transferal: join(data, 'transferal', 'images'),
    testImages: join(data, 'test', 'images'),
    testMasks: join(data, 'test', 'masks'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  for (const id of split.transferal) copyFileSync(imagePath(id), join(dirs.transferal, `${id}.png`));
  for (const id of split.test) {
    copyFileSync(imagePath(id), join(dirs.testImages, `${id}.png`));
    copyFileSync(maskPath(id), join(dirs.testMasks, `${id}.png`));
  }
  return dirs;
}

/** Loads the compute backend (heavy: only a study that trains students needs it). */
export async function initStudentCompute(): Promise<void> {
  const { initCompute } = await import('../../../electron/engine/backend.js');
  await initCompute();
}

export interface StudentOptions {
  /** The study's output folder: labels under OUT/labels/<slug>, the run under OUT/runs/<name>. */
  out: string;
  data: StudentData;
  /** Label-set id (folder name). */
  slug: string;
  /** The student's name (run folder). */
  name: string;
  /** What the labels are, for the progress line. */
  description: string;
  /** Every image to label (transferal and test: the test labels score the label set itself). */
  images: readonly ImageMaps[];
  mask(im: ImageMaps): Uint8Array;
  size: number;
  epochs: number;
  caseRegex?: string;
  seed: number;
}

export interface StudentResult {
  /** Dice of the label set on the test split. */
  fusedTest: number;
  /** Dice of the student on the test split. */
  student: number;
  minutes: number;
}

/** Writes the label set, trains a student on it through runTransfer and scores both on the test split. */
export async function trainStudent(o: StudentOptions): Promise<StudentResult> {
  const { runTransfer } = await import('../../../electron/transfer/pipeline.js');
  const { parseSpec } = await import('../../../electron/transfer/spec-file.js');
  const labelDir = join(o.out, 'labels', o.slug);
  mkdirSync(labelDir, { recursive: true });
  for (const im of o.images)
    writeGreyPng(join(labelDir, `${im.id}.png`), to255(o.mask(im)), im.rows, im.cols);
  const card = join(o.out, 'labels', `${o.slug}.json`);
  writeFileSync(card, JSON.stringify({ name: `labels-${o.slug}`, masks: { dir: o.slug } }));
  const spec: TransferSpecInput = {
    name: o.name,
    teachers: [card],
    transferal: { images: o.data.transferal },
    fusion: { method: 'mean', threshold: 0.5 },
    student: {
      arch: 'unet',
      size: o.size,
      epochs: o.epochs,
      batchSize: 8,
      learningRate: 2e-3,
      patience: 0,
      valFraction: 0.1,
      augment: true,
    },
    test: { images: o.data.testImages, masks: o.data.testMasks },
    ...(o.caseRegex === undefined ? {} : { caseRegex: o.caseRegex }),
    seed: o.seed,
    out: join(o.out, 'runs', o.name),
  };
  const t1 = Date.now();
  process.stdout.write(`${o.name} (${o.description}): `);
  const r = await runTransfer(parseSpec(spec, o.out, o.name), {
    onProgress: (p) => {
      if (p.train?.phase === 'checkpoint') process.stdout.write('.');
    },
  });
  const minutes = (Date.now() - t1) / 60000;
  console.log(` ${minutes.toFixed(1)} min`);
  return {
    fusedTest: r.test!.scores.find((x) => x.kind === 'teacher')!.dice,
    student: r.test!.scores.find((x) => x.kind === 'student')!.dice,
    minutes,
  };
}
