/**
 * The evaluate stage: on the labeled test set, each teacher alone, the fused label (the same fusion and
 * post-processing as the pseudo-labels) and each student, all scored by the same per-image metrics on
 * the ground truth's grid. The teachers' and fused masks are kept in OUT/test/ for inspection.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TransferSpec } from '../../shared/transfer.js';
import { evaluateMaskFolders, evaluateModel, type Evaluation } from '../engine/student/evaluate-run.js';
import { runFolder, teacherDirName } from '../teachers/folder-run.js';
import type { TeacherRunner } from '../teachers/runner.js';
import type { StageHooks } from './pseudo-label.js';

export const TEST_DIR = 'test';

export interface SourceEvaluation {
  source: string;
  kind: 'teacher' | 'fused' | 'student';
  evaluation: Evaluation;
}

export async function evaluateOnTest(
  spec: TransferSpec & { test: NonNullable<TransferSpec['test']> },
  teachers: readonly TeacherRunner[],
  students: readonly { name: string; modelDir: string }[],
  hooks: StageHooks = {},
): Promise<SourceEvaluation[]> {
  const root = join(spec.out, TEST_DIR);
  rmSync(root, { recursive: true, force: true });
  const fusedDir = join(root, 'fused');
  const teacherDir = join(root, 'teachers');
  const signal = hooks.signal ? { signal: hooks.signal } : {};
  await runFolder(teachers, {
    images: spec.test.images,
    out: fusedDir,
    teacherMasks: teacherDir,
    fusion: spec.fusion,
    post: spec.post,
    ...signal,
    onProgress: (done, total) => hooks.onProgress?.('teachers on the test set', done, total),
  });
  const out: SourceEvaluation[] = [];
  for (const t of teachers)
    out.push({
      source: t.name,
      kind: 'teacher',
      evaluation: await evaluateMaskFolders(
        join(teacherDir, teacherDirName(t.name)),
        spec.test.masks,
        signal,
      ),
    });
  if (teachers.length > 1)
    out.push({
      source: `fused (${spec.fusion.method})`,
      kind: 'fused',
      evaluation: await evaluateMaskFolders(fusedDir, spec.test.masks, signal),
    });
  for (const s of students) {
    hooks.onProgress?.(`${s.name} on the test set`);
    out.push({
      source: s.name,
      kind: 'student',
      evaluation: await evaluateModel(s.modelDir, spec.test.images, spec.test.masks, {
        ...signal,
        onProgress: (done, total) => hooks.onProgress?.(`${s.name} on the test set`, done, total),
      }),
    });
  }
  return out;
}
