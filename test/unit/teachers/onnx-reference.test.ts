/**
 * Apprentice's ONNX path against an independent, deliberately plain reimplementation of each shared card
 * (per-pixel torch bilinear formula, 2-D arrays, onnxruntime called directly), image by image on 20 BUS-BRA
 * images and two crops of them: the probability maps must agree and so must each image's Dice.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImageFile } from '../../../electron/io/read.js';
import { loadTeacherCard } from '../../../electron/teachers/card.js';
import { readTeacherImages } from '../../../electron/teachers/images.js';
import { listFiles } from '../../../electron/util/files.js';
import { dice } from '../../../electron/engine/metrics/index.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import type { TeacherImage } from '../../../electron/teachers/preprocess.js';
import { SHARED_DIR } from '../../helpers/temp.js';

const TEACHERS = join(SHARED_DIR, 'teachers');
const DATA = join(SHARED_DIR, 'data', 'bus-bra');
type Grid = number[][];

/** torch F.interpolate(bilinear, align_corners=False) written out per output pixel. */
function refResize(src: Grid, oh: number, ow: number): Grid {
  const ih = src.length;
  const iw = src[0]!.length;
  const out: Grid = [];
  for (let y = 0; y < oh; y++) {
    let sy = ((y + 0.5) * ih) / oh - 0.5;
    if (sy < 0) sy = 0;
    const y0 = Math.floor(sy);
    const y1 = y0 < ih - 1 ? y0 + 1 : ih - 1;
    const ly = sy - y0;
    const row: number[] = [];
    for (let x = 0; x < ow; x++) {
      let sx = ((x + 0.5) * iw) / ow - 0.5;
      if (sx < 0) sx = 0;
      const x0 = Math.floor(sx);
      const x1 = x0 < iw - 1 ? x0 + 1 : iw - 1;
      const lx = sx - x0;
      row.push(
        (1 - ly) * ((1 - lx) * src[y0]![x0]! + lx * src[y0]![x1]!) +
          ly * ((1 - lx) * src[y1]![x0]! + lx * src[y1]![x1]!),
      );
    }
    out.push(row);
  }
  return out;
}

const toGrid = (img: TeacherImage): Grid =>
  Array.from({ length: img.rows }, (_, y) =>
    Array.from(img.pixels.subarray(y * img.cols, (y + 1) * img.cols)),
  );

interface Ref {
  tensor: Float32Array;
  back: (out: Float32Array) => Grid;
}

/** Each card's recipe, typed in from its text (not from Apprentice's parser). */
const RECIPES: Record<string, (img: TeacherImage) => Ref> = {
  'unet-busi': (img) => {
    const H = img.rows;
    const W = img.cols;
    const s = 256 / Math.max(H, W);
    const nh = Math.round(H * s);
    const nw = Math.round(W * s);
    const top = Math.floor((256 - nh) / 2);
    const left = Math.floor((256 - nw) / 2);
    const r = refResize(toGrid(img), nh, nw);
    const tensor = new Float32Array(256 * 256);
    for (let y = 0; y < nh; y++)
      for (let x = 0; x < nw; x++) tensor[(y + top) * 256 + x + left] = r[y]![x]! / 255;
    return {
      tensor,
      back: (o) => {
        const crop: Grid = [];
        for (let y = 0; y < nh; y++)
          crop.push(
            Array.from({ length: nw }, (_, x) => 1 / (1 + Math.exp(-o[(y + top) * 256 + x + left]!))),
          );
        return refResize(crop, H, W);
      },
    };
  },
  'resunet-busi': (img) => {
    const r = refResize(toGrid(img), 192, 192);
    const tensor = Float32Array.from(
      r.flat().map((v) => (v / 255 - 0.32526054978370667) / 0.21618789434432983),
    );
    return {
      tensor,
      back: (o) =>
        refResize(
          Array.from({ length: 192 }, (_, y) => Array.from(o.subarray(y * 192, (y + 1) * 192))),
          img.rows,
          img.cols,
        ),
    };
  },
  'fcn-busi': (img) => {
    const r = refResize(toGrid(img), 224, 224).flat();
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    const tensor = new Float32Array(3 * 224 * 224);
    for (let c = 0; c < 3; c++)
      r.forEach((v, i) => (tensor[c * 224 * 224 + i] = (v / 255 - mean[c]!) / std[c]!));
    const fg = 224 * 224; // channel 1 of the softmax output
    return {
      tensor,
      back: (o) =>
        refResize(
          Array.from({ length: 224 }, (_, y) => Array.from(o.subarray(fg + y * 224, fg + (y + 1) * 224))),
          img.rows,
          img.cols,
        ),
    };
  },
};

describe('ONNX teachers agree image by image with an independent reference (20 BUS-BRA images)', () => {
  let images: TeacherImage[];
  let truths: Uint8Array[];
  beforeAll(async () => {
    const files = listFiles(join(DATA, 'images'))
      .filter((_, i) => i % 35 === 0)
      .slice(0, 20);
    images = (await Promise.all(files.map((f) => readTeacherImages(f)))).flat();
    // BUS-BRA's long side is 256 already: two crops make the letterbox and stretch resize non-trivial.
    for (const [src, rows, cols] of [
      [images[0]!, 150, 171],
      [images[1]!, 201, 97],
    ] as const) {
      const pixels = new Uint8Array(rows * cols);
      for (let y = 0; y < rows; y++)
        pixels.set(src.pixels.subarray(y * src.cols, y * src.cols + cols), y * cols);
      images.push({ name: `${src.name}-crop`, rows, cols, channels: 1, pixels });
    }
    truths = await Promise.all(
      images.map(async (img) => {
        const gt = (await readImageFile(join(DATA, 'masks', `${img.name.replace('-crop', '')}.png`)))
          .slices[0]!.pixels as Uint8Array;
        if (!img.name.endsWith('-crop')) return gt;
        const src = images.find((i) => `${i.name}-crop` === img.name)!;
        const out = new Uint8Array(img.rows * img.cols);
        for (let y = 0; y < img.rows; y++)
          out.set(gt.subarray(y * src.cols, y * src.cols + img.cols), y * img.cols);
        return out;
      }),
    );
  });

  for (const name of Object.keys(RECIPES)) {
    it(name, async () => {
      const card = loadTeacherCard(join(TEACHERS, `${name}.json`));
      const teacher = await openTeacher(card);
      const session = await ort.InferenceSession.create(card.modelPath, { intraOpNumThreads: 2 });
      try {
        const ours = await teacher.predict(images);
        let maxDiff = 0;
        for (let k = 0; k < images.length; k++) {
          const img = images[k]!;
          const ref = RECIPES[name]!(img);
          const c = name === 'fcn-busi' ? 3 : 1;
          const side = Math.sqrt(ref.tensor.length / c);
          const res = await session.run({ input: new ort.Tensor('float32', ref.tensor, [1, c, side, side]) });
          const want = ref.back(res.output!.data as Float32Array).flat();
          const r = ours[k]!;
          expect(r.ok, name).toBe(true);
          if (!r.ok) continue;
          want.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - r.prob[i]!))));
          const refMask = want.map((v) => (v > 0.5 ? 1 : 0));
          const ourMask = Array.from(r.prob, (v) => (v > 0.5 ? 1 : 0));
          expect(
            Math.abs(dice(ourMask, truths[k]!) - dice(refMask, truths[k]!)),
            `${name} ${img.name}`,
          ).toBeLessThan(1e-3);
        }
        expect(maxDiff).toBeLessThan(1e-4);
      } finally {
        await teacher.dispose();
        await session.release();
      }
    });
  }

  afterAll(() => {
    images = [];
  });
});
