/**
 * Checks a spec's paths before anything runs, so a typo is reported at once (and, from the UI, no job is
 * started) rather than after minutes of pseudo-labelling: each teacher card exists, parses, and names a
 * model file that is there and of the card's kind; the image and mask folders exist; the output folder,
 * if it exists, is a folder. Every problem is collected, each with the field it concerns and a label a
 * person reads ("Teacher 2"), so that the Transfer screen can show it next to that field while the form
 * is still being filled in.
 */
import { statSync, type Stats } from 'node:fs';
import { isAbsolute } from 'node:path';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import type {
  TransferFieldProblem,
  TransferPaths,
  TransferPathsCheck,
  TransferSpec,
} from '../../shared/transfer.js';
import { loadTeacherCard, readModelFile, type TeacherCard } from '../teachers/card.js';
import { checkOnnxModel } from '../teachers/onnx-runner.js';
import { parseJsonText } from '../util/text-file.js';

type Kind = 'file' | 'folder' | 'any';

const LABELS: Record<string, string> = {
  'transferal.images': 'Transferal images',
  'transferal.corrections': 'Corrections',
  'finetune.images': 'Fine-tuning images',
  'finetune.masks': 'Fine-tuning masks',
  'test.images': 'Test images',
  'test.masks': 'Test masks',
  out: 'Output folder',
};

/** The label of a spec field as the screen names it: "teachers.1" is "Teacher 2". */
export function fieldLabel(field: string): string {
  const teacher = /^teachers\.(\d+)$/.exec(field);
  return teacher ? `Teacher ${Number(teacher[1]) + 1}` : (LABELS[field] ?? field);
}

function statOf(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** Why `path` is not a `kind`, or null when it is. */
function pathProblem(path: string, kind: Kind): string | null {
  if (!isAbsolute(path)) return `${path} must be an absolute path`;
  const st = statOf(path);
  if (!st) return `${path} does not exist`;
  if (kind === 'file' && !st.isFile()) return `${path} is not a file`;
  if (kind === 'folder' && !st.isDirectory()) return `${path} is not a folder`;
  return null;
}

/** An ONNX file is a protobuf ModelProto: its first byte is the tag of a low-numbered varint/bytes field. */
function looksLikeOnnx(bytes: Uint8Array): boolean {
  const b = bytes[0];
  if (b === undefined || b >= 0x80) return false;
  const field = b >> 3;
  const wire = b & 7;
  return field >= 1 && field <= 20 && (wire === 0 || wire === 2);
}

/**
 * Why the model a parsed card names is missing or not of the card's kind, or null when it is right: an
 * ONNX model is loaded and matched against the card, as importing the teacher does.
 */
async function modelProblem(card: TeacherCard): Promise<string | null> {
  if (card.kind === 'masks') {
    const st = statOf(card.modelPath);
    if (!st) return `its mask folder ${card.modelPath} does not exist`;
    return st.isDirectory() ? null : `its mask folder ${card.modelPath} is not a folder`;
  }
  const st = statOf(card.modelPath);
  if (!st) return `its model file ${card.modelPath} does not exist`;
  if (!st.isFile()) return `its model file ${card.modelPath} is not a file`;
  let bytes: Uint8Array;
  try {
    // Also checks the SHA-256 the card states.
    bytes = readModelFile(card);
  } catch (err) {
    return toAppError(err).message;
  }
  if (!bytes.length) return `its model file ${card.modelPath} is empty`;
  if (card.kind === 'onnx') {
    // The first byte refuses most wrong files without starting onnxruntime.
    if (!looksLikeOnnx(bytes)) return `its model file ${card.modelPath} is not an ONNX model`;
    try {
      await checkOnnxModel(bytes, card);
      return null;
    } catch (err) {
      const e = toAppError(err);
      return e.code === ErrorCode.BAD_FILE
        ? `its model file ${card.modelPath} is not an ONNX model: ${e.message}`
        : `its model file ${card.modelPath} does not fit the card: ${e.message}`;
    }
  }
  let json: { modelTopology?: unknown; weightsManifest?: unknown; format?: unknown };
  try {
    // parseJsonText names the line and column without quoting the file.
    json = parseJsonText(Buffer.from(bytes).toString('utf8'), card.modelPath) as typeof json;
  } catch (err) {
    return `its model file is not a TF.js model.json: ${toAppError(err).message}`;
  }
  if (
    typeof json !== 'object' ||
    json === null ||
    !json.modelTopology ||
    !Array.isArray(json.weightsManifest)
  )
    return `its model file ${card.modelPath} is not a TF.js model.json (no modelTopology/weightsManifest)`;
  const graph = json.format === 'graph-model';
  if (graph && card.tfjsFormat !== 'graph')
    return `${card.modelPath} is a TF.js graph model: the card must say "tfjs": {"format": "graph"}`;
  return null;
}

/** A teacher card checked as far as it can be without running it: its name and kind, or why not. */
export async function checkTeacherCard(
  path: string,
): Promise<{ ok: true; name: string; kind: TeacherCard['kind'] } | { ok: false; message: string }> {
  const problem = pathProblem(path, 'file');
  if (problem) return { ok: false, message: problem };
  let card: TeacherCard;
  try {
    card = loadTeacherCard(path);
  } catch (err) {
    return { ok: false, message: toAppError(err).message };
  }
  const model = await modelProblem(card);
  return model ? { ok: false, message: `${path}: ${model}` } : { ok: true, name: card.name, kind: card.kind };
}

/**
 * Every problem of a spec's paths (which may be incomplete: fields left out are not checked), and what
 * each teacher card is, in the order of `paths.teachers` (null where the card has a problem).
 */
export async function checkTransferPaths(paths: TransferPaths): Promise<TransferPathsCheck> {
  const problems: TransferFieldProblem[] = [];
  const add = (field: string, message: string) => problems.push({ field, label: fieldLabel(field), message });
  const firstByName = new Map<string, number>();
  const teachers: TransferPathsCheck['teachers'] = [];
  for (const [k, t] of (paths.teachers ?? []).entries()) {
    const r = await checkTeacherCard(t);
    if (!r.ok) {
      add(`teachers.${k}`, r.message);
      teachers.push(null);
      continue;
    }
    const earlier = firstByName.get(r.name);
    if (earlier !== undefined)
      add(`teachers.${k}`, `named "${r.name}" like teacher ${earlier + 1}: give each card its own name`);
    else firstByName.set(r.name, k);
    teachers.push({ name: r.name, kind: r.kind });
  }
  const folder = (field: string, path: string | undefined, kind: Kind) => {
    const problem = path === undefined ? null : pathProblem(path, kind);
    if (problem) add(field, problem);
  };
  // One image file is a transferal set too (runFolder accepts both).
  folder('transferal.images', paths.transferal?.images, 'any');
  folder('transferal.corrections', paths.transferal?.corrections, 'folder');
  folder('finetune.images', paths.finetune?.images, 'folder');
  folder('finetune.masks', paths.finetune?.masks, 'folder');
  folder('test.images', paths.test?.images, 'folder');
  folder('test.masks', paths.test?.masks, 'folder');
  if (paths.out !== undefined) {
    if (!isAbsolute(paths.out)) add('out', `${paths.out} must be an absolute path`);
    // A missing output folder is created by the run.
    else if (statOf(paths.out)?.isDirectory() === false) add('out', `${paths.out} is a file, not a folder`);
  }
  return { problems, teachers };
}

/** Refuses a spec whose paths have problems, naming every one ("Teacher 2: ..."); the list is the detail. */
export async function checkSpecPaths(spec: TransferSpec): Promise<void> {
  const { problems } = await checkTransferPaths(spec);
  if (!problems.length) return;
  const first = problems[0]!;
  throw new AppError(
    problems.some((p) => / does not exist$/.test(p.message))
      ? ErrorCode.NOT_FOUND
      : ErrorCode.INVALID_ARGUMENT,
    problems.map((p) => `${p.label}: ${p.message}`).join('; '),
    { field: first.field, problems },
  );
}
