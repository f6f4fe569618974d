/**
 * Imports a folder with a teacher card (NAME.json in the format of ../shared/teachers, e.g. an exported
 * student) and its ONNX file into a project as a teacher: the card's contract is checked, the file's
 * SHA-256 must match the card, onnxruntime must load it, and its input/output must agree with the card;
 * then the teachers module registers it (electron/teachers/store-teachers.ts), as any other teacher.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { ProjectStore, Teacher } from '../store/index.js';
import { registerTeacher } from './store-teachers.js';
import { readJsonText } from '../util/text-file.js';
import { loadOnnxSession } from '../util/onnx-session.js';

interface TeacherCard {
  name?: string;
  onnx?: { file?: string; sha256?: string };
  input?: {
    name?: string;
    layout?: string;
    channels?: number;
    height?: number;
    width?: number;
    resize?: string;
  };
  output?: { name?: string; kind?: string; channels?: number; foreground_channel?: number };
}

/** The card files of a folder: *.json objects with an `onnx.file` entry. */
export function findTeacherCards(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new AppError(ErrorCode.NOT_FOUND, `The folder ${dir} cannot be read`, { path: dir });
  }
  return names
    .filter((n) => n.endsWith('.json'))
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        const c = readJsonText(p, 'a teacher card') as TeacherCard;
        return typeof c?.onnx?.file === 'string';
      } catch {
        return false;
      }
    });
}

export async function checkTeacherCard(
  cardPath: string,
): Promise<{ card: Record<string, unknown>; onnx: Uint8Array; name: string }> {
  const bad = (why: string) =>
    new AppError(ErrorCode.BAD_FILE, `${cardPath} is not a usable teacher card: ${why}`, { path: cardPath });
  let card: TeacherCard & Record<string, unknown>;
  try {
    card = readJsonText(cardPath, 'a teacher card') as TeacherCard & Record<string, unknown>;
  } catch (err) {
    // readJsonText's own error names the file, line and column without quoting the card.
    if (err instanceof AppError) throw err;
    throw bad((err as Error).message);
  }
  const i = card.input,
    o = card.output;
  if (!card.onnx?.file) throw bad('no onnx.file');
  if (!i || i.layout !== 'NCHW' || !i.channels || !i.height || !i.width)
    throw bad('the input block needs layout NCHW, channels, height and width');
  if (!o || !o.kind || !o.channels || o.foreground_channel === undefined)
    throw bad('the output block needs kind, channels and foreground_channel');
  const onnxPath = join(cardPath, '..', basename(card.onnx.file));
  let onnx: Uint8Array;
  try {
    onnx = readFileSync(onnxPath);
  } catch {
    throw bad(`its model file ${onnxPath} is missing`);
  }
  const sha = createHash('sha256').update(onnx).digest('hex');
  if (card.onnx.sha256 && card.onnx.sha256 !== sha)
    throw bad(`${onnxPath} does not match the card's sha256 (the file was changed)`);
  const session = await loadOnnxSession(onnx, onnxPath);
  try {
    const inName = i.name ?? 'input',
      outName = o.name ?? 'output';
    if (!session.inputNames.includes(inName))
      throw bad(`${onnxPath} has no input "${inName}" (it has ${session.inputNames.join(', ')})`);
    if (!session.outputNames.includes(outName)) throw bad(`${onnxPath} has no output "${outName}"`);
  } finally {
    await session.release();
  }
  return { card, onnx, name: card.name ?? basename(cardPath, '.json') };
}

/** Imports every teacher card of a folder (or one card file) into the project; returns the new teachers. */
export async function importTeacherFolder(
  store: ProjectStore,
  path: string,
  opts: { name?: string } = {},
): Promise<Teacher[]> {
  const cards = path.endsWith('.json') ? [path] : findTeacherCards(path);
  if (cards.length === 0)
    throw new AppError(ErrorCode.NOT_FOUND, `No teacher card (NAME.json with an "onnx" block) in ${path}`, {
      path,
    });
  const checked = await Promise.all(cards.map(checkTeacherCard));
  // Registration is the teachers module's (the stored card then points at the content blob).
  const teachers: Teacher[] = [];
  for (let i = 0; i < cards.length; i++) {
    const name = cards.length === 1 && opts.name ? opts.name : checked[i]!.name;
    teachers.push((await registerTeacher(store, cards[i]!, { name })).teacher);
  }
  return teachers;
}
