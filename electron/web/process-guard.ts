/**
 * The web shell's last line of defence: an error that escapes every handler is logged, and the server
 * keeps serving. Without it Node ends the process on an unhandled rejection, so one bug reachable from a
 * client would disconnect every user of a shared server. Store writes are atomic, so no file is left
 * half-written by an error that unwound past them.
 */
import type { Logger } from '../services/logger.js';

/** Installs the handlers on `proc`; returns a function that removes them. */
export function guardProcess(log: Logger, proc: NodeJS.Process = process): () => void {
  const report = (what: string, err: unknown) => {
    log.error(`${what} in the web shell (kept running)`, err);
    // The operator watching the terminal learns of it too; the details are in the log file.
    proc.stderr.write(`Apprentice web shell: ${what.toLowerCase()}, kept running; details in ${log.file}\n`);
  };
  const onRejection = (reason: unknown) => report('Unhandled promise rejection', reason);
  const onException = (err: Error) => report('Uncaught exception', err);
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
