/**
 * A job's progress on the command's own output: a status line redrawn on a terminal (nothing in logs),
 * and, where a run has moments worth keeping, a line each: a training's validated epochs (in logs), a
 * transfer's stages and validated epochs. Reads the jobs' typed detail, never their phase text.
 */
import type { JobOf, JobProgress } from '../../shared/jobs.js';
import type { JobUpdate } from '../util/job-context.js';
import type { CliIo } from './command.js';

/** ", GPU 412/512 MiB" when the step ran on a GPU (live tensors / allocated), else nothing. */
function gpuText(d: { gpuMemory?: { usedBytes: number; allocatedBytes: number } }): string {
  if (!d.gpuMemory) return '';
  const mib = (b: number) => Math.round(b / (1024 * 1024));
  return `, GPU ${mib(d.gpuMemory.usedBytes)}/${mib(d.gpuMemory.allocatedBytes)} MiB`;
}

export interface JobPrinter {
  update(job: JobProgress): void;
  /** Ends the status line, if one is drawn. */
  end(): void;
}

export interface PrinterOptions {
  /** Lines for the moments worth keeping (default true; off under --json). */
  lines?: boolean;
  /** The redrawn status line on a terminal (default true). */
  bar?: boolean;
}

function barText(job: JobProgress): string {
  const width = 30;
  const frac = job.total > 0 ? Math.min(1, job.done / job.total) : 0;
  const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
  const eta = job.etaSeconds !== undefined ? ` ~${job.etaSeconds}s left` : '';
  return `${job.phase.padEnd(10).slice(0, 10)} [${bar}] ${job.done}/${job.total}${eta}`;
}

export function jobPrinter(io: CliIo, opts: PrinterOptions = {}): JobPrinter {
  const lines = opts.lines ?? true;
  const bar = opts.bar ?? true;
  let lastEpoch = 0;
  let noticesShown = 0;
  const transfer = transferPrinter(io, { lines, bar });
  return {
    update(job) {
      // How the job computes (a GPU provider that fell back to the CPU): on stderr, each once, even under --json.
      for (const n of job.notices?.slice(noticesShown) ?? []) {
        io.status(null);
        io.stderr(`apprentice ${job.kind}: ${n}`);
      }
      noticesShown = Math.max(noticesShown, job.notices?.length ?? 0);
      if (job.kind === 'transfer') return transfer(job);
      if (bar && io.isTty) io.status(barText(job));
      if (job.kind !== 'train' && job.kind !== 'finetune') return;
      // In logs (no terminal), each validated epoch is a line of its own.
      const d = job.detail;
      if (!lines || io.isTty || !d?.validated || d.valDice === undefined || d.epoch <= lastEpoch) return;
      lastEpoch = d.epoch;
      io.stdout(
        `${job.phase}: loss ${d.loss.toFixed(4)}, val Dice ${d.valDice.toFixed(4)}, IoU ${d.valIou?.toFixed(4)}, ${d.msPerStep.toFixed(0)} ms/step${gpuText(d)}`,
      );
    },
    end() {
      io.status(null);
    },
  };
}

/**
 * A transfer for people: a line per stage step and per validated epoch (a redrawn line for the steps
 * between them on a terminal). Takes a transfer job's report, or the same fields of a run outside a job.
 */
export function transferPrinter(
  io: CliIo,
  opts: Required<PrinterOptions>,
): (job: JobOf<'transfer'> | JobUpdate<'transfer'>) => void {
  let lastKey = '';
  return (job) => {
    const d = job.detail;
    if (!d || !opts.lines) return;
    const head = `[${d.stage}/${d.stages.length} ${d.stages[d.stage - 1]}]`;
    const t = d.train;
    if (t) {
      if (!t.validated) {
        if (opts.bar && io.isTty)
          io.status(
            `${head} epoch ${t.epoch}/${t.epochs} step ${t.step}/${t.steps} loss ${t.loss.toFixed(4)}`,
          );
        return;
      }
      io.stdout(
        `${head} epoch ${t.epoch}/${t.epochs}: loss ${t.loss.toFixed(4)}, val Dice ${t.valDice?.toFixed(4) ?? '-'}, ${t.msPerStep.toFixed(0)} ms/step${gpuText(t)}`,
      );
      return;
    }
    const key = `${d.stage}:${d.activity}`;
    if (key !== lastKey) {
      io.stdout(`${head} ${d.activity}`);
      lastKey = key;
    } else if (opts.bar && io.isTty && job.total) io.status(`${head} ${d.activity} ${job.done}/${job.total}`);
  };
}
