/** Opens a teacher from its card, whatever its kind. */
import type { TeacherCard } from './card.js';
import { openMaskFolderTeacher } from './mask-folder-runner.js';
import { openOnnxTeacher, type OnnxOptions } from './onnx-runner.js';
import type { TeacherRunner } from './runner.js';

export type OpenOptions = OnnxOptions;

export async function openTeacher(card: TeacherCard, opts: OpenOptions = {}): Promise<TeacherRunner> {
  switch (card.kind) {
    case 'onnx':
      return openOnnxTeacher(card, opts);
    case 'tfjs':
      // Loaded on demand: tfjs is heavy and ONNX-only runs do not need it.
      return (await import('./tfjs-runner.js')).openTfjsTeacher(card, opts);
    case 'masks':
      return openMaskFolderTeacher(card);
  }
}
