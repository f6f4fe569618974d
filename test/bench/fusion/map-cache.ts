/**
 * The teachers' answers of a fusion study, computed once and reused: each teacher runs once per
 * test-time-augmentation view over every image, through the product's own runner (openTeacher +
 * TeacherRunner.predict, as `apprentice infer` and the transfer run them), and its maps are cached,
 * quantized to 8 bits as the product stores probability maps, under OUT/maps/<view>/<teacher>.{bin,json}.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantizeProbabilities } from '../../../electron/store/mask-codec.js';
import { loadTeacherCard } from '../../../electron/teachers/card.js';
import { readBinaryMask } from '../../../electron/teachers/folder-run.js';
import { readTeacherImages } from '../../../electron/teachers/images.js';
import {
  averageViews,
  DEFAULT_TTA_VIEWS,
  unviewMap,
  viewImage,
  viewName,
  type TtaView,
} from '../../../electron/teachers/label-free/tta.js';
import { openTeacher } from '../../../electron/teachers/open.js';
import type { TeacherImage } from '../../../electron/teachers/preprocess.js';

/** Where a study's teachers, images and masks are, and where its cache goes. */
export interface StudyData {
  /** The study's output folder: the cache is OUT/maps. */
  out: string;
  /** Teacher names, in the order of every per-teacher list of the study. */
  teachers: readonly string[];
  teacherCard(teacher: string): string;
  imagePath(id: string): string;
  maskPath(id: string): string;
  /** Threads of each teacher's runner. */
  threads: number;
}

/** One teacher's answers under one view, for every image, on the viewed grid, 8-bit. */
interface CachedMaps {
  /** id -> [byte offset, rows, cols] of the viewed grid. */
  index: Record<string, [number, number, number]>;
  bytes: Uint8Array;
}
const cacheBase = (out: string, view: TtaView, teacher: string) => join(out, 'maps', viewName(view), teacher);

async function cacheTeacherView(
  data: StudyData,
  teacher: string,
  view: TtaView,
  ids: readonly string[],
): Promise<void> {
  const base = cacheBase(data.out, view, teacher);
  if (existsSync(`${base}.json`)) return;
  mkdirSync(join(data.out, 'maps', viewName(view)), { recursive: true });
  const runner = await openTeacher(loadTeacherCard(data.teacherCard(teacher)), { threads: data.threads });
  const t0 = Date.now();
  const parts: Uint8Array[] = [];
  const index: CachedMaps['index'] = {};
  let offset = 0;
  try {
    const chunk = Math.max(8, runner.batchSize);
    for (let s = 0; s < ids.length; s += chunk) {
      const images: TeacherImage[] = [];
      for (const id of ids.slice(s, s + chunk))
        images.push(viewImage((await readTeacherImages(data.imagePath(id)))[0]!, view));
      const results = await runner.predict(images);
      results.forEach((r, k) => {
        const img = images[k]!;
        if (!r.ok)
          throw new Error(`${teacher} (${viewName(view)}) failed on ${img.name}: ${r.error.message}`);
        const q = quantizeProbabilities(r.prob);
        parts.push(q);
        index[img.name] = [offset, img.rows, img.cols];
        offset += q.length;
      });
    }
  } finally {
    await runner.dispose();
  }
  const bytes = new Uint8Array(offset);
  let o = 0;
  for (const p of parts) {
    bytes.set(p, o);
    o += p.length;
  }
  writeFileSync(`${base}.bin`, bytes);
  // The index is written last (atomically): its presence marks a complete cache entry.
  writeFileSync(`${base}.json.tmp`, JSON.stringify(index));
  renameSync(`${base}.json.tmp`, `${base}.json`);
  console.log(
    `cached ${teacher} ${viewName(view)}: ${ids.length} images in ${((Date.now() - t0) / 1000).toFixed(0)} s`,
  );
}

/** Runs every teacher under every view over `ids`, skipping what is cached already. */
export async function cacheAllMaps(data: StudyData, ids: readonly string[]): Promise<void> {
  for (const view of DEFAULT_TTA_VIEWS)
    for (const t of data.teachers) await cacheTeacherView(data, t, view, ids);
}

function loadCache(out: string, teacher: string, view: TtaView): CachedMaps {
  const base = cacheBase(out, view, teacher);
  return {
    index: JSON.parse(readFileSync(`${base}.json`, 'utf8')) as CachedMaps['index'],
    bytes: new Uint8Array(readFileSync(`${base}.bin`)),
  };
}

/** A teacher's map of one image under one view, back on the image's grid (NaN where the view did not see). */
function cachedMap(c: CachedMaps, id: string, view: TtaView, rows: number, cols: number): Float32Array {
  const [offset, r, cl] = c.index[id]!;
  const q = c.bytes.subarray(offset, offset + r * cl);
  const p = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) p[i] = q[i]! / 255;
  return unviewMap(p, view, rows, cols);
}

/** Every image's maps on its own grid: each teacher as it is (plain) and averaged over the views (tta). */
export interface ImageMaps {
  id: string;
  rows: number;
  cols: number;
  plain: Float32Array[];
  tta: Float32Array[];
  gt: Uint8Array;
}
export type MapSet = 'plain' | 'tta';

export async function loadImages(data: StudyData, ids: readonly string[]): Promise<ImageMaps[]> {
  const caches = data.teachers.map((t) => DEFAULT_TTA_VIEWS.map((v) => loadCache(data.out, t, v)));
  const images: ImageMaps[] = [];
  for (const id of ids) {
    const [, rows, cols] = caches[0]![0]!.index[id]!;
    const views = caches.map((perView) =>
      perView.map((c, j) => cachedMap(c, id, DEFAULT_TTA_VIEWS[j]!, rows, cols)),
    );
    images.push({
      id,
      rows,
      cols,
      plain: views.map((v) => v[0]!),
      tta: views.map((v) => averageViews(v)),
      gt: await readBinaryMask(data.maskPath(id), rows, cols, id),
    });
  }
  return images;
}
