/** The headless command line: `apprentice <verb> [flags]`. Each verb is a CliCommand in commands/. */
import { AppError } from '../../shared/errors.js';
import { APP_VERSION } from '../util/version.js';
import type { CliIo } from './command.js';
import { COMMANDS } from './commands/index.js';

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Apprentice ${APP_VERSION}: network-agnostic knowledge transfer for medical image segmentation`,
    '',
    'Usage: apprentice <command> [flags]    (apprentice <command> --help for its flags)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(usage());
    return verb === undefined ? 2 : 0;
  }
  if (verb === '--version' || verb === '-v') {
    io.stdout(APP_VERSION);
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === verb);
  if (!cmd) {
    io.stderr(`apprentice: unknown command "${verb}". Run "apprentice --help" for the list.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(cmd.help);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    // Bad input is reported in one line; only real bugs print a stack (and say so).
    if (err instanceof AppError) {
      io.stderr(`apprentice ${verb}: ${err.message}`);
      return 2;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`apprentice ${verb}: ${err.message}. Run "apprentice ${verb} --help".`);
      return 2;
    }
    io.stderr(
      `apprentice ${verb}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
    );
    return 1;
  }
}

function processIo(): CliIo {
  const isTty = process.stdout.isTTY === true;
  // Width of the status line on the terminal now (0: none drawn); a line of output first clears it.
  let drawn = 0;
  const clear = () => {
    if (drawn) process.stdout.write(`\r${' '.repeat(drawn)}\r`);
    drawn = 0;
  };
  return {
    stdout: (line) => {
      clear();
      process.stdout.write(`${line}\n`);
    },
    stderr: (line) => {
      clear();
      process.stderr.write(`${line}\n`);
    },
    isTty,
    status: (text) => {
      if (!isTty) return;
      if (text === null) {
        if (drawn) process.stdout.write('\n');
        drawn = 0;
        return;
      }
      process.stdout.write(`\r${text.padEnd(drawn)}`);
      drawn = text.length;
    },
  };
}

// Run directly (tsx electron/cli/main.ts ...), not when imported by apprentice.mjs or tests.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  process.exitCode = await main(process.argv.slice(2));
}
