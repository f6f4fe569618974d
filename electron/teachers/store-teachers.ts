/**
 * Teachers inside a project: registering one from its card (an ONNX model is copied into the content
 * store, so the project keeps working when the original file moves), reopening it from the store, reading
 * images from the store as teacher input, and a version key that changes whenever the contract or model do
 * (resume uses it to know which stored maps are still valid).
 */
import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import type { ImageRecord, ProjectStore, Teacher } from '../store/index.js';
import { parseTeacherCard, readModelFile, type TeacherCard } from './card.js';
import { toUint8 } from './images.js';
import { checkOnnxModel } from './onnx-runner.js';
import { openTeacher } from './open.js';
import type { TeacherImage } from './preprocess.js';
import { resolveTeacher } from './resolve.js';
import type { ContractHints } from './infer-contract.js';

/** Adds a teacher from a card file (or a bare ONNX model + hints) to the project. */
export async function registerTeacher(
  store: ProjectStore,
  path: string,
  opts: { name?: string; hints?: ContractHints } = {},
): Promise<{ teacher: Teacher; assumed: string[] }> {
  const { card, assumed } = await resolveTeacher(path, opts.hints);
  const name = opts.name ?? card.name;
  const raw: Record<string, unknown> = { ...card.raw, name };
  if (card.kind === 'onnx') {
    const bytes = readModelFile(card);
    // Only a model that loads and fits its card enters the content store (not any file a card names).
    await checkOnnxModel(bytes, card);
    const hash = store.content.put(bytes);
    // The stored card points at nothing outside the project: the model is the content blob.
    const stored = {
      ...raw,
      onnx: { ...(raw.onnx as object), file: null, sha256: hash },
      inferred: assumed.length ? assumed : undefined,
    };
    return { teacher: store.teachers.add({ name, kind: 'onnx', card: stored, modelHash: hash }), assumed };
  }
  // TF.js (model.json + shards) and mask folders stay where they are; the card keeps the absolute path.
  if (card.kind === 'tfjs')
    await (await openTeacher(card)).dispose(); // loads it: model.json, shards, input
  else checkMaskFolder(card);
  const field = card.kind === 'masks' ? 'masks' : 'tfjs';
  const key = card.kind === 'masks' ? 'dir' : 'file';
  const stored = { ...raw, [field]: { ...(raw[field] as object), [key]: card.modelPath } };
  return {
    teacher: store.teachers.add({ name, kind: card.kind, card: stored, modelPath: card.modelPath }),
    assumed,
  };
}

function checkMaskFolder(card: TeacherCard): void {
  let isDir: boolean;
  try {
    isDir = statSync(card.modelPath).isDirectory();
  } catch (err) {
    throw toAppError(err);
  }
  if (!isDir)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${card.modelPath} is not a folder (the card's "masks.dir")`,
      {
        path: card.modelPath,
      },
    );
}

/** The parsed card of a stored teacher, its model path pointing at the content blob or the outside path. */
export function storedTeacherCard(store: ProjectStore, t: Teacher): TeacherCard {
  if (t.kind === 'other')
    throw new AppError(ErrorCode.UNSUPPORTED, `Teacher "${t.name}" has no runnable kind`, {
      teacherId: t.id,
    });
  const raw = { ...t.card };
  if (t.kind === 'onnx') {
    if (!t.modelHash)
      throw new AppError(ErrorCode.BAD_FILE, `Teacher "${t.name}" has no stored model`, { teacherId: t.id });
    raw.onnx = { ...(raw.onnx as object), file: store.content.pathOf(t.modelHash), sha256: t.modelHash };
  }
  return parseTeacherCard(raw, store.dir, `teacher "${t.name}"`);
}

/** Changes when the card's contract or the model changes: maps from another version are not reused. */
export function teacherVersion(t: Teacher): string {
  const { name: _name, ...card } = t.card;
  return createHash('sha256')
    .update(JSON.stringify([t.kind, card, t.modelHash, t.modelPath]))
    .digest('hex')
    .slice(0, 16);
}

/** A stored image as teacher input (8-bit; wider types mapped from the image's own value range). */
export function storedTeacherImage(store: ProjectStore, img: ImageRecord): TeacherImage {
  if (img.channels !== 1 && img.channels !== 3)
    throw new AppError(
      ErrorCode.UNSUPPORTED,
      `Image ${img.id} has ${img.channels} channels; teachers take 1 or 3`,
      { imageId: img.id },
    );
  const px = store.images.typedPixels(img.id);
  let min = Infinity;
  let max = -Infinity;
  if (!(px instanceof Uint8Array))
    for (let i = 0; i < px.length; i++) {
      const v = px[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  const pixels = px instanceof Uint8Array ? px : toUint8(px, { min, max }, false);
  const stem = img.source.path
    .split(/[\\/]/)
    .at(-1)!
    .replace(/(\.nii)?\.[^.]*$/i, '');
  const name =
    img.source.sliceIndex == null ? stem : `${stem}_${String(img.source.sliceIndex).padStart(4, '0')}`;
  return { name, rows: img.rows, cols: img.cols, channels: img.channels as 1 | 3, pixels };
}
