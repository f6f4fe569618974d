import { existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../command.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { createAppServices } from '../../services/app-services.js';
import { createFileLogger } from '../../services/logger.js';
import { defaultUserDataDir } from '../../services/user-data.js';
import { guardProcess } from '../../web/process-guard.js';
import { startWebShell } from '../../web/server.js';
import { join } from 'node:path';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export const webCommand: CliCommand = {
  name: 'web',
  summary: 'Serve the workstation to a browser (the web shell)',
  help: [
    'Usage: apprentice web [--port N] [--host ADDR] [--allow-remote] [--allowed-host NAME]...',
    '                      [--allowed-origin URL]... [--open] [--renderer DIR] [--token T]',
    '',
    'Serves the built renderer and the Apprentice API over a WebSocket, with the same services as the',
    'desktop app. Prints an address with a per-run token: only a browser that opened it can connect.',
    'The token grants everything this user may do with files: keep it secret, and never serve it over',
    'plain HTTP beyond this machine (use an SSH tunnel or a TLS reverse proxy).',
    '',
    '  --port N              port to listen on (default: a free one)',
    '  --host ADDR           address to bind (default 127.0.0.1, loopback only)',
    '  --allow-remote        allow binding to a non-loopback address (a GPU server on a protected',
    '                        network; put TLS in front, e.g. ssh -L 8080:127.0.0.1:8080 server)',
    "  --allowed-host NAME   also answer to this Host name (NAME or NAME:PORT), e.g. a reverse proxy's;",
    "                        repeatable. Without it only the bound address's names are answered",
    '  --allowed-origin URL  also accept browser pages from this origin (https://proxy.example[:port]);',
    "                        repeatable. Without it only the server's own origin is accepted",
    '  --open                open the address in the default browser',
    '  --renderer DIR        folder of the built renderer (default $APPRENTICE_RENDERER_DIR, else',
    '                        dist/renderer; build it with npm run build:renderer)',
    '  --token T             use this token instead of a random one (scripts; keep it secret)',
  ].join('\n'),
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-remote': { type: 'boolean' },
        'allowed-host': { type: 'string', multiple: true },
        'allowed-origin': { type: 'string', multiple: true },
        open: { type: 'boolean' },
        renderer: { type: 'string' },
        token: { type: 'string' },
      },
      strict: true,
    });
    const rendererDir = resolve(
      values.renderer ?? process.env.APPRENTICE_RENDERER_DIR ?? join(REPO_ROOT, 'dist', 'renderer'),
    );
    if (!existsSync(join(rendererDir, 'index.html'))) {
      throw new AppError(
        ErrorCode.NOT_FOUND,
        `No built renderer in ${rendererDir}: run "npm run build:renderer" first`,
      );
    }
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `--port must be an integer 0-65535, got ${values.port}`);
    }
    const userDataDir = defaultUserDataDir();
    const services = createAppServices({
      userDataDir,
      platform: { shell: 'web' },
      logger: createFileLogger({ dir: join(userDataDir, 'logs'), baseName: 'web' }),
    });
    const shell = await startWebShell({
      services,
      rendererDir,
      port,
      ...(values.host ? { host: values.host } : {}),
      ...(values.token ? { token: values.token } : {}),
      allowRemote: values['allow-remote'] === true,
      allowedHosts: values['allowed-host'] ?? [],
      allowedOrigins: values['allowed-origin'] ?? [],
    });
    // From here on an error that escapes a handler is logged; it does not end the server for everyone.
    const unguard = guardProcess(services.log);
    // The one line scripts and tests wait for.
    io.stdout(`Apprentice web shell: ${shell.loginUrl}`);
    if (values.open) openInBrowser(shell.loginUrl);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void shell
          .close()
          .then(() => services.dispose())
          .finally(() => {
            unguard();
            done();
          });
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};

function openInBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  spawn(cmd, [url], { detached: true, stdio: 'ignore' })
    .on('error', () => {})
    .unref();
}
