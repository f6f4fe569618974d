/**
 * A "teacher" made of precomputed results: a folder of masks or probability maps (PNG, TIFF, NIfTI...),
 * matched to images by file-name stem. 8-bit values are probabilities x 255 (0/255 masks are 0/1); a map
 * of only 0 and 1 is a label map; 16-bit maps are scaled by 65535, float maps are taken as probabilities.
 * A map on another grid than its image is stretched back to it (same field of view).
 */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { readImageFile } from '../io/read.js';
import type { PixelArray } from '../io/types.js';
import { filesByStem } from '../util/files.js';
import { resizeBilinear } from '../engine/image/resize.js';
import type { TeacherCard } from './card.js';
import type { TeacherImage } from './preprocess.js';
import type { PredictResult, TeacherRunner } from './runner.js';

function toProbability(p: PixelArray, channels: number, file: string): Float32Array {
  const n = p.length / channels;
  const out = new Float32Array(n);
  let labels = true;
  for (let i = 0; i < n; i++) {
    const v = p[i * channels]!;
    if (v !== 0 && v !== 1) labels = false;
    out[i] = v;
  }
  const div = labels ? 1 : p instanceof Uint8Array ? 255 : p instanceof Uint16Array ? 65535 : 1;
  for (let i = 0; i < n; i++) {
    const v = out[i]! / div;
    if (Number.isNaN(v))
      throw new AppError(ErrorCode.BAD_FILE, `${file}: the map holds NaN values`, { path: file });
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
  return out;
}

export class MaskFolderTeacher implements TeacherRunner {
  readonly kind = 'masks' as const;
  readonly batchSize = 16;
  readonly inputChannels = null;
  private readonly byStem: Map<string, string>;

  constructor(
    readonly name: string,
    readonly dir: string,
  ) {
    this.byStem = filesByStem(dir);
    if (this.byStem.size === 0)
      throw new AppError(ErrorCode.NOT_FOUND, `teacher "${name}": the masks folder ${dir} holds no files`, {
        path: dir,
      });
  }

  async predict(images: readonly TeacherImage[]): Promise<PredictResult[]> {
    const out: PredictResult[] = [];
    for (const img of images) {
      try {
        out.push({ ok: true, prob: await this.one(img) });
      } catch (err) {
        const msg = err instanceof Error ? err.message : String(err);
        out.push({
          ok: false,
          error: new AppError(
            err instanceof AppError ? err.code : ErrorCode.BAD_FILE,
            `teacher "${this.name}" failed on ${img.name}: ${msg}`,
            {
              teacher: this.name,
              image: img.name,
            },
          ),
        });
      }
    }
    return out;
  }

  private async one(img: TeacherImage): Promise<Float32Array> {
    const file = this.byStem.get(img.name);
    if (file === undefined)
      throw new AppError(ErrorCode.NOT_FOUND, `no map named "${img.name}.*" in ${this.dir}`, {
        image: img.name,
      });
    const stack = await readImageFile(file);
    const prob = toProbability(stack.slices[0]!.pixels, stack.samplesPerPixel, file);
    if (stack.rows === img.rows && stack.cols === img.cols) return prob;
    return resizeBilinear(prob, stack.rows, stack.cols, img.rows, img.cols);
  }

  async dispose(): Promise<void> {}
}

export function openMaskFolderTeacher(card: TeacherCard): MaskFolderTeacher {
  return new MaskFolderTeacher(card.name, card.modelPath);
}
