/** Progress of a job on the terminal: a redrawn bar on a TTY, nothing otherwise (logs stay clean). */
import type { JobProgress } from '../../shared/dto.js';
import type { CliIo } from './command.js';

export function progressPrinter(io: CliIo): { update(job: JobProgress): void; end(): void } {
  let drawn = false;
  return {
    update(job) {
      if (!io.isTty) return;
      const width = 30;
      const frac = job.total > 0 ? Math.min(1, job.done / job.total) : 0;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      const eta = job.etaSeconds !== undefined ? ` ~${job.etaSeconds}s left` : '';
      process.stdout.write(
        `\r${job.phase.padEnd(10).slice(0, 10)} [${bar}] ${job.done}/${job.total}${eta}   `,
      );
      drawn = true;
    },
    end() {
      if (drawn) process.stdout.write('\n');
      drawn = false;
    },
  };
}
