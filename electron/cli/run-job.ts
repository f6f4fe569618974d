/**
 * The one way a CLI verb runs a job: one set of app services for the command (the same job manager, the
 * same services as the app), the job started through them, followed on the
 * command's output, cancelled on Ctrl-C (or the SIGTERM a scheduler sends first), and its typed result
 * returned, or its error thrown.
 */
import { computeNotice, computeNoticeLines } from '../../shared/compute-notice.js';
import { AppError, ErrorCode } from '../../shared/errors.js';
import type { JobKind, JobOf, JobResult } from '../../shared/jobs.js';
import { createAppServices, type AppServices } from '../services/app-services.js';
import { createNullLogger } from '../services/logger.js';
import { defaultUserDataDir } from '../services/user-data.js';
import type { CliIo } from './command.js';
import { jobPrinter, type PrinterOptions } from './progress.js';

let noticeShown = false;

/**
 * Starts the compute engine before a command builds or runs a model (the native CPU kernels, or the
 * backend the environment asks for); loaded lazily so commands that run no model stay quick. Given `io`,
 * it prints the engine's notice (e.g. training on the slow JavaScript fallback, and why) on stderr, once
 * per process.
 */
export async function startCompute(io?: CliIo): Promise<void> {
  const { initCompute } = await import('../engine/backend.js');
  const info = await initCompute();
  const notice = computeNotice(info);
  if (io && notice && !noticeShown) {
    noticeShown = true;
    for (const line of computeNoticeLines(notice)) io.stderr(line);
  }
}

/** The app's services for one command, disposed (jobs cancelled, project closed) when `use` ends. */
export async function withServices<T>(use: (services: AppServices) => Promise<T>): Promise<T> {
  const services = createAppServices({
    userDataDir: defaultUserDataDir(),
    platform: { shell: 'web' },
    logger: createNullLogger(),
  });
  try {
    return await use(services);
  } finally {
    await services.dispose();
  }
}

export interface RunJobOptions extends PrinterOptions {
  /** The message of a job stopped by the user (default: the job's own). */
  stopped?: string;
}

/** Starts a job on `services`, follows it on `io` to its end and returns its result. */
export async function runJob<K extends JobKind>(
  services: AppServices,
  io: CliIo,
  start: () => JobOf<K> | Promise<JobOf<K>>,
  opts: RunJobOptions = {},
): Promise<JobResult<K>> {
  const printer = jobPrinter(io, opts);
  let jobId: string | null = null;
  const off = services.subscribe((e) => {
    if (e.type === 'job' && e.job.jobId === jobId) printer.update(e.job);
  });
  const stop = () => {
    if (jobId) services.jobs.cancel(jobId);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const started = await start();
    jobId = started.jobId;
    const final = await services.jobs.wait(started);
    printer.end();
    if (final.state === 'cancelled')
      throw new AppError(
        ErrorCode.CANCELLED,
        opts.stopped ?? final.error?.message ?? `${final.kind} stopped`,
      );
    if (final.state !== 'done' || final.result === undefined)
      throw new AppError(
        (final.error?.code as ErrorCode | undefined) ?? ErrorCode.INTERNAL,
        final.error?.message ?? `${final.kind} ${final.state}`,
        final.error?.detail,
      );
    return final.result;
  } finally {
    off();
    printer.end();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
