/** One verb of the `apprentice` command line. Each lives in electron/cli/commands/<name>.ts. */
export interface CliCommand {
  name: string;
  /** One line for `apprentice --help`. */
  summary: string;
  /** Full usage text printed by `apprentice <name> --help`; documents every flag. */
  help: string;
  /**
   * Runs the verb. Returns the process exit code: 0 success, 1 failure of the work, 2 bad input (bad flags,
   * a file that is refused). Errors for bad input are printed as one clear line, never a stack trace.
   */
  run(argv: string[], io: CliIo): Promise<number>;
}

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** True when stdout is a terminal: progress bars are drawn only then. */
  isTty: boolean;
  /**
   * Draws the one status line (a progress bar), redrawn in place on a terminal; null ends it. Progress
   * goes through here, never straight to process.stdout, so that a command's output is all its io's.
   */
  status: (text: string | null) => void;
}
