/**
 * Knowledge transfer for the UI and the CLI: a run spec from the Transfer screen (or a spec file) becomes
 * one 'transfer' job; its progress detail carries the stages, the current one and the student's training
 * step (its phase labels them for people: "2/6 train: epoch 3/30"), its result is the TransferSummary. Specs from the renderer must use absolute paths: the main process's
 * working folder means nothing to the user.
 */
import { isAbsolute } from 'node:path';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { JobOf } from '../../shared/jobs.js';
import type { TransferSpec, TransferSpecInput } from '../../shared/transfer.js';
import { checkSpecPaths } from '../transfer/preflight.js';
import { checkEarlierRun } from '../transfer/run-state.js';
import { runTransfer, type TransferProgress } from '../transfer/pipeline.js';
import { loadSpecFile, parseSpec } from '../transfer/spec-file.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import type { ProjectStore } from '../store/index.js';
import type { JobManager, JobUpdate } from './job-manager.js';
import { trainStepDetail } from './student-service.js';
import { absolutePath } from './paths.js';

function requireAbsolute(input: TransferSpecInput): void {
  const paths: [string, string | undefined][] = [
    ['out', input.out],
    ['transferal.images', input.transferal.images],
    ['transferal.corrections', input.transferal.corrections],
    ['finetune.images', input.finetune?.images],
    ['finetune.masks', input.finetune?.masks],
    ['test.images', input.test?.images],
    ['test.masks', input.test?.masks],
    ...input.teachers.map((t, k): [string, string] => [`teachers.${k}`, t]),
  ];
  for (const [field, p] of paths)
    if (p !== undefined && !isAbsolute(p))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `${field} must be an absolute path: ${p}`, { field });
}

/** JobContext.progress fields of a transfer step. */
export function transferProgress(p: TransferProgress): JobUpdate<'transfer'> {
  // The validated end of an epoch is its own phase, so the job manager never throttles it away.
  const validated = p.train?.phase === 'checkpoint' ? ' (validated)' : '';
  return {
    phase: `${p.index}/${p.count} ${p.stage}: ${p.phase}${validated}`,
    // A stage without counters shows none, not the previous stage's.
    done: p.done ?? 0,
    total: p.total ?? 0,
    // Every stage of the run: enough for a screen opened mid-run to rebuild the stage list.
    detail: {
      stages: [...p.stages],
      stage: p.index,
      activity: p.phase,
      ...(p.train ? { train: trainStepDetail(p.train) } : {}),
    },
  };
}

/**
 * Starts a transfer job from a run spec (absolute paths). Another spec's run in the output folder is
 * refused here, before any job, with the choices as detail; `store`, the project open when the run
 * starts, keeps the finished run (closing a project cancels its jobs first).
 */
export async function startTransfer(
  jobs: JobManager,
  store: ProjectStore | null,
  input: TransferSpecInput,
  fresh: boolean,
): Promise<JobOf<'transfer'>> {
  const spec = parseSpec(input, '/', 'run spec');
  requireAbsolute(input);
  await checkSpecPaths(spec);
  if (!fresh) checkEarlierRun(spec.out, spec);
  return jobs.start('transfer', async (ctx) => {
    const summary = await runTransfer(spec, {
      signal: ctx.signal,
      fresh,
      onProgress: (p) => ctx.progress(transferProgress(p)),
      onNotice: (m) => ctx.notice?.(m),
    });
    if (store) store.transferRuns.add(spec, summary);
    return summary;
  });
}

/** A spec file (JSON/YAML) read and resolved: every path absolute, every default filled in. */
export function loadTransferSpec(path: string): TransferSpec {
  return loadSpecFile(absolutePath(path, 'The run spec'));
}

/** Writes a spec as JSON, e.g. to run the same transfer headless on a GPU server. */
export function saveTransferSpec(input: TransferSpecInput, path: string): { path: string } {
  const spec = parseSpec(input, '/', 'run spec');
  requireAbsolute(input);
  const file = absolutePath(path, 'The spec file');
  writeFileAtomic(file, JSON.stringify(spec, null, 1) + '\n');
  return { path: file };
}
