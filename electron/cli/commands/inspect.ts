import { parseArgs } from 'node:util';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { inspectFile } from '../../io/inspect.js';
import type { InspectReport } from '../../io/inspect.js';
import type { CliCommand } from '../command.js';

const HELP = `Usage: apprentice inspect <file> [--json]

Reads an image file (DICOM, NIfTI-1/-2, PNG, JPEG, TIFF; gzip-wrapped too), decodes every frame and
prints its metadata and pixel statistics.

Options:
  --json   print one JSON object: modality, transferSyntax, rows, columns, frames, spacing,
           pixel {min, max, mean} of the decoded frames, warnings (what could not be decoded
           exactly and is shown anyway, e.g. a palette image as grey indices), and more
  --help   show this help

Exit status: 0 read and decoded; 2 the file is refused (unreadable, unsupported, too large), with
one line on stderr saying why; 1 an internal error.`;

function human(r: InspectReport): string[] {
  const fmt = (v: unknown): string =>
    v === null
      ? '-'
      : Array.isArray(v)
        ? v.join(' x ')
        : typeof v === 'object'
          ? JSON.stringify(v)
          : String(v);
  const { warnings, ...fields } = r;
  const lines = Object.entries(fields).map(([k, v]) => `${k.padEnd(18)} ${fmt(v)}`);
  // One line per warning, so a long one is read whole rather than as a JSON array.
  if (warnings.length === 0) lines.push(`${'warnings'.padEnd(18)} none`);
  else for (const w of warnings) lines.push(`${'warnings'.padEnd(18)} ${w}`);
  return lines;
}

/** Bad input exits 2 with one line; only a bug exits 1, still without a stack trace. */
const BAD_INPUT = new Set<string>([
  ErrorCode.BAD_FILE,
  ErrorCode.UNSUPPORTED,
  ErrorCode.TOO_LARGE,
  ErrorCode.NOT_FOUND,
  ErrorCode.INVALID_ARGUMENT,
  ErrorCode.IO_ERROR,
]);

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Print the metadata and pixel statistics of an image file',
  help: HELP,
  async run(argv, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          json: { type: 'boolean', default: false },
          help: { type: 'boolean', short: 'h', default: false },
        },
      });
    } catch (err) {
      io.stderr(`inspect: ${(err as Error).message}`);
      return 2;
    }
    if (parsed.values.help) {
      io.stdout(HELP);
      return 0;
    }
    if (parsed.positionals.length !== 1) {
      io.stderr('inspect: expected exactly one file (see apprentice inspect --help)');
      return 2;
    }
    const file = parsed.positionals[0]!;
    try {
      const report = await inspectFile(file);
      if (parsed.values.json) io.stdout(JSON.stringify(report));
      else for (const line of human(report)) io.stdout(line);
      return 0;
    } catch (err) {
      if (err instanceof AppError && BAD_INPUT.has(err.code)) {
        io.stderr(`inspect: ${err.message.replace(/\s+/g, ' ')}`);
        return 2;
      }
      io.stderr(
        `inspect: internal error while reading ${file}: ${(err as Error)?.message ?? String(err)}`.replace(
          /\s+/g,
          ' ',
        ),
      );
      return 1;
    }
  },
};
