/** A teacher named on the command line or in a request: a card file, or a bare ONNX model. */
import { AppError, ErrorCode } from '../../shared/errors.js';
import { loadTeacherCard, type TeacherCard } from './card.js';
import { inferOnnxCard, type ContractHints } from './infer-contract.js';

export interface ResolvedTeacher {
  card: TeacherCard;
  /** What was assumed rather than read from the card or the model (bare models only). */
  assumed: string[];
}

export async function resolveTeacher(path: string, hints: ContractHints = {}): Promise<ResolvedTeacher> {
  const lower = path.toLowerCase();
  if (lower.endsWith('.onnx')) return inferOnnxCard(path, hints);
  if (lower.endsWith('model.json'))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${path}: a TF.js model needs a teacher card (its input scaling and output kind are not in model.json)`,
      { path },
    );
  return { card: loadTeacherCard(path), assumed: [] };
}
