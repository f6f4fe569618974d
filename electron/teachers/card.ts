/**
 * Teacher cards: a JSON file stored beside (or with) the model that states its input/output contract in
 * the detail a user would write it. The cards in ../shared/teachers are the format's first examples.
 * Unknown fields (architecture, training notes, reference scores) are kept as they are.
 */
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { z } from 'zod';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import { decodeTextFile, parseJsonText } from '../util/text-file.js';
import type { InputContract, OutputContract, TensorContract } from './contract.js';

const layout = z.enum(['NCHW', 'NHWC']);
const positive = z.number().int().positive().max(16384);

const inputSchema = z.looseObject({
  name: z.string().min(1).optional(),
  layout: layout.default('NCHW'),
  channels: z.union([z.literal(1), z.literal(3)]),
  height: positive,
  width: positive,
  scale: z
    .number()
    .positive()
    .finite()
    .default(1 / 255),
  mean: z.array(z.number().finite()).min(1).optional(),
  std: z.array(z.number().positive().finite()).min(1).optional(),
  resize: z.enum(['stretch', 'letterbox']).default('stretch'),
  pad_value: z.number().finite().default(0),
});

const outputSchema = z.looseObject({
  name: z.string().min(1).optional(),
  kind: z.enum(['logits', 'sigmoid', 'softmax']),
  channels: positive.default(1),
  foreground_channel: z.number().int().nonnegative().optional(),
  layout: layout.default('NCHW'),
});

const modelFile = z.looseObject({ file: z.string().min(1), sha256: z.string().optional() });

const cardSchema = z.looseObject({
  name: z.string().min(1).max(200),
  onnx: modelFile.optional(),
  tfjs: modelFile.extend({ format: z.enum(['layers', 'graph']).default('layers') }).optional(),
  masks: z.looseObject({ dir: z.string().min(1), extension: z.string().optional() }).optional(),
  input: inputSchema.optional(),
  output: outputSchema.optional(),
});

export type TeacherKind = 'onnx' | 'tfjs' | 'masks';

/** A parsed card: what to load, and (for models) the tensor contract. */
export interface TeacherCard {
  name: string;
  kind: TeacherKind;
  /** Absolute path of the model file (ONNX, model.json) or the masks folder. */
  modelPath: string;
  /** For ONNX/TF.js files: the expected SHA-256, when the card states it. */
  sha256?: string;
  tfjsFormat?: 'layers' | 'graph';
  contract?: TensorContract;
  /** The card as written, for storage and display. */
  raw: Record<string, unknown>;
  /** Where the card came from (relative model paths resolve against its folder). */
  source?: string;
}

/** Parses a card object. `baseDir` resolves relative model paths (the card's folder). */
export function parseTeacherCard(raw: unknown, baseDir: string, source?: string): TeacherCard {
  const what = source ?? 'teacher card';
  const r = cardSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const at = issue.path.join('.') || '(root)';
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what}: ${at}: ${issue.message}`, {
      path: source,
      field: at,
    });
  }
  const c = r.data;
  const kinds = (['onnx', 'tfjs', 'masks'] as const).filter((k) => c[k] !== undefined);
  if (kinds.length !== 1)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: name exactly one of "onnx", "tfjs" or "masks" (found ${kinds.length ? kinds.join(', ') : 'none'})`,
      { path: source },
    );
  const kind = kinds[0]!;
  const at = (p: string) => (isAbsolute(p) ? p : resolve(baseDir, p));
  const card: TeacherCard = {
    name: c.name,
    kind,
    modelPath: at(kind === 'masks' ? c.masks!.dir : kind === 'onnx' ? c.onnx!.file : c.tfjs!.file),
    raw: raw as Record<string, unknown>,
  };
  if (source !== undefined) card.source = source;
  const sha = kind === 'onnx' ? c.onnx?.sha256 : kind === 'tfjs' ? c.tfjs?.sha256 : undefined;
  if (sha !== undefined) card.sha256 = sha.toLowerCase();
  if (kind === 'tfjs') card.tfjsFormat = c.tfjs!.format;
  if (kind !== 'masks') {
    if (!c.input || !c.output)
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what}: a model teacher needs "input" and "output"`, {
        path: source,
      });
    card.contract = { input: toInput(c.input, what), output: toOutput(c.output, what) };
  }
  return card;
}

function toInput(i: z.infer<typeof inputSchema>, what: string): InputContract {
  const perChannel = (v: number[] | undefined, dflt: number, field: string): number[] => {
    const a = v ?? [dflt];
    if (a.length === 1) return Array.from({ length: i.channels }, () => a[0]!);
    if (a.length !== i.channels)
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${what}: input.${field} has ${a.length} values for ${i.channels} channel(s)`,
        { field: `input.${field}` },
      );
    return a;
  };
  const out: InputContract = {
    layout: i.layout,
    height: i.height,
    width: i.width,
    channels: i.channels,
    scale: i.scale,
    mean: perChannel(i.mean, 0, 'mean'),
    std: perChannel(i.std, 1, 'std'),
    resize: i.resize,
    padValue: i.pad_value,
  };
  if (i.name !== undefined) out.name = i.name;
  return out;
}

function toOutput(o: z.infer<typeof outputSchema>, what: string): OutputContract {
  const fg = o.foreground_channel ?? (o.channels > 1 ? 1 : 0);
  if (fg >= o.channels)
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${what}: output.foreground_channel ${fg} is not below output.channels ${o.channels}`,
      { field: 'output.foreground_channel' },
    );
  if (o.kind === 'softmax' && o.channels < 2)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${what}: a softmax output needs at least 2 channels`, {
      field: 'output.channels',
    });
  const out: OutputContract = { kind: o.kind, channels: o.channels, foregroundChannel: fg, layout: o.layout };
  if (o.name !== undefined) out.name = o.name;
  return out;
}

/** Cards are a few kilobytes; anything far larger is not one (and is not read whole into an error). */
const MAX_CARD_BYTES = 1 << 20;

/**
 * Reads and parses a card file. A relative model path must stay inside the card's folder, also after
 * following symbolic links: a card from elsewhere must not make Apprentice read (and store) any file
 * the user can read. An absolute path is the card author's explicit choice; the model file is then still
 * checked for what it is before anything is stored (store-teachers).
 */
export function loadTeacherCard(path: string): TeacherCard {
  const abs = resolve(path);
  let bytes: Buffer;
  try {
    if (!statSync(abs).isFile())
      throw new AppError(
        ErrorCode.INVALID_ARGUMENT,
        `${abs} is not a file (a teacher card is a .json file)`,
        {
          path: abs,
        },
      );
    bytes = readFileSync(abs);
  } catch (err) {
    throw toAppError(err);
  }
  if (bytes.length > MAX_CARD_BYTES)
    throw new AppError(
      ErrorCode.TOO_LARGE,
      `${abs} is not a teacher card: ${bytes.length} bytes is too large`,
      {
        path: abs,
      },
    );
  const raw = parseJsonText(decodeTextFile(bytes, abs, 'a teacher card'), abs);
  const card = parseTeacherCard(raw, dirname(abs), abs);
  confineToCardFolder(card, abs);
  return card;
}

/** `child` is `dir` itself or lies below it. */
function isInside(dir: string, child: string): boolean {
  const rel = relative(dir, child);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** Refuses a card-relative model path that leaves the card's folder; points the card at the real path. */
function confineToCardFolder(card: TeacherCard, cardPath: string): void {
  const block = card.raw[card.kind] as Record<string, unknown>;
  const written = String(card.kind === 'masks' ? block.dir : block.file);
  if (isAbsolute(written)) return;
  const label = card.kind === 'masks' ? 'mask folder' : 'model file';
  const outside = (how: string) =>
    new AppError(
      ErrorCode.PERMISSION_DENIED,
      `${cardPath}: the ${label} "${written}" is outside the card's folder${how}; keep the model beside its card`,
      { path: cardPath, field: card.kind === 'masks' ? 'masks.dir' : `${card.kind}.file` },
    );
  const dir = dirname(cardPath);
  if (!isInside(dir, card.modelPath)) throw outside('');
  let real: string;
  try {
    real = realpathSync(card.modelPath);
  } catch {
    return; // not there: reading it reports that, naming the file
  }
  if (!isInside(realpathSync(dir), real)) throw outside(` (a link to ${real})`);
  // Read from where the check was made, not through the link again.
  card.modelPath = real;
}

/** Reads a model file and checks it against the card's SHA-256, when the card gives one. */
export function readModelFile(card: Pick<TeacherCard, 'name' | 'modelPath' | 'sha256'>): Uint8Array {
  let bytes: Buffer;
  try {
    // A FIFO or device named as a model would block or never end.
    if (!statSync(card.modelPath).isFile())
      throw new AppError(ErrorCode.BAD_FILE, `${card.modelPath} is not a regular file, so not a model file`, {
        path: card.modelPath,
      });
    bytes = readFileSync(card.modelPath);
  } catch (err) {
    throw toAppError(err);
  }
  if (card.sha256 !== undefined) {
    const got = createHash('sha256').update(bytes).digest('hex');
    if (got !== card.sha256)
      throw new AppError(
        ErrorCode.BAD_FILE,
        `${card.modelPath} does not match its card "${card.name}" (SHA-256 ${got.slice(0, 12)}..., card says ${card.sha256.slice(0, 12)}...)`,
        { path: card.modelPath },
      );
  }
  return bytes;
}
