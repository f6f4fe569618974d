// The end-to-end fixture: a temporary folder, the real `apprentice web` process on its own user data,
// Debian's Chromium with one page watched for errors, and optionally a project with BUS-BRA images
// imported through the API before the page opens. Call it in a describe block: it registers the
// beforeAll that starts everything and the afterAll that closes it again.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { launchChromium, watchErrors } from './browser.js';
import { copyBusBra } from './data.js';
import { REPO_ROOT, tempDir } from './temp.js';
import { startWebShellProcess, type WebShellProcess } from './web-shell-process.js';
import { connectWsApi, waitForJob, type WsApi } from './ws-api.js';

export interface WebShellAppOptions {
  /** Names the temporary folder (apprentice-e2e-<name>-…). */
  name: string;
  viewport: { width: number; height: number };
  /** Arguments of `apprentice web` (a fixed port and token, say), worked out before it first starts. */
  webArgs?: () => Promise<string[]>;
  /**
   * A project created through the API in the temporary folder before the page opens; with `images`,
   * the first BUS-BRA images (copied to <dir>/images, their masks to <dir>/masks unless `masks` is
   * false) are imported into `dataset` and the import must finish.
   */
  project?: { name: string; images?: number; dataset?: string; masks?: boolean };
  /** Further setup through the API (teachers, pseudo-labels, files) before the page opens. */
  prepare?: (app: WebShellApp) => Promise<void>;
  /** Keeps the API client open for the tests (else it is closed once the setup is done). */
  keepClient?: boolean;
}

export interface WebShellApp {
  /** The temporary folder (projects, copied images, user data); exists from the start. */
  readonly dir: string;
  readonly userData: string;
  readonly browser: Browser;
  readonly server: WebShellProcess;
  /** The API client of the setup, and of the tests with `keepClient`. */
  readonly client: WsApi;
  readonly page: Page;
  /** Console errors and uncaught page errors so far: each file ends by asserting what may be there. */
  readonly errors: string[];
  /** Starts the web shell again, with the same user data and arguments, after `server.stop()`. */
  startServer(): Promise<WebShellProcess>;
  /** Stops the web shell and starts it again; the kept API client is connected to the new one. */
  restartServer(): Promise<void>;
}

/** The renderer the web shell serves (what `apprentice web` serves by default). */
const rendererDir = () => process.env.APPRENTICE_RENDERER_DIR ?? join(REPO_ROOT, 'dist', 'renderer');

export function useWebShellApp(opts: WebShellAppOptions): WebShellApp {
  const t = tempDir(`apprentice-e2e-${opts.name}-`);
  const userData = join(t.dir, 'user-data');
  let args: string[] = [];
  let browser: Browser | undefined;
  let server: WebShellProcess | undefined;
  let client: WsApi | undefined;
  let page: Page | undefined;
  let errors: string[] = [];
  const ready = <T>(v: T | undefined, what: string): T => {
    if (v === undefined) throw new Error(`the e2e app has no ${what} (not started, or closed)`);
    return v;
  };

  const app: WebShellApp = {
    dir: t.dir,
    userData,
    get browser() {
      return ready(browser, 'browser');
    },
    get server() {
      return ready(server, 'web shell');
    },
    get client() {
      return ready(client, 'API client (keepClient)');
    },
    get page() {
      return ready(page, 'page');
    },
    get errors() {
      return errors;
    },
    async startServer() {
      server = await startWebShellProcess(userData, {}, args);
      return server;
    },
    async restartServer() {
      const reconnect = client !== undefined;
      client?.close();
      client = undefined;
      await server?.stop();
      await app.startServer();
      if (reconnect) client = await connectWsApi(app.server.loginUrl);
    },
  };

  beforeAll(async () => {
    if (!existsSync(join(rendererDir(), 'index.html'))) {
      throw new Error(`${rendererDir()} is missing: run "npm run build:renderer" (npm test does it first)`);
    }
    args = (await opts.webArgs?.()) ?? [];
    browser = await launchChromium();
    await app.startServer();
    if (opts.project || opts.prepare || opts.keepClient) client = await connectWsApi(app.server.loginUrl);
    if (opts.project) {
      await app.client.api.createProject({ parentDir: t.dir, name: opts.project.name });
      if (opts.project.images) {
        const bus = copyBusBra(t.dir, opts.project.images, { masks: opts.project.masks });
        const job = await app.client.api.importImages({
          path: bus.images,
          dataset: opts.project.dataset ?? 'bus',
          ...(opts.project.masks === false ? {} : { masksPath: bus.masks }),
        });
        expect((await waitForJob(app.client.api, job.jobId)).state).toBe('done');
      }
    }
    await opts.prepare?.(app);
    if (!opts.keepClient) {
      client?.close();
      client = undefined;
    }
    page = await browser.newPage({ viewport: opts.viewport });
    errors = watchErrors(page);
  });

  afterAll(async () => {
    client?.close();
    await browser?.close();
    await server?.stop();
    t.cleanup();
  });

  return app;
}
