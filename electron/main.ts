/**
 * The desktop app: window lifecycle, security settings, menu. Everything the app does lives in
 * services/ (plain Node); this file and preload.ts/ipc.ts are the only ones that import 'electron'.
 */
import { app, BrowserWindow, dialog, Menu, net, protocol, session, shell, type WebContents } from 'electron';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { contentSecurityPolicy } from '../shared/csp.js';
import { createAppServices, type AppServices } from './services/app-services.js';
import { APP_ORIGIN, registerIpc } from './ipc.js';

const here = dirname(fileURLToPath(import.meta.url));
/** dist/electron/main.js -> dist/renderer (built by Vite). */
const RENDERER_DIR = resolve(here, '..', 'renderer');
const PRELOAD = join(here, 'preload.cjs');
const CSP = contentSecurityPolicy({ connectSrc: "'self'" });

// Must happen before 'ready': makes app:// a secure, standard origin (fetch, CSP 'self', no file:// quirks).
protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let services: AppServices | null = null;
const windows = new Set<BrowserWindow>();
const ownContents = (): WebContents[] =>
  [...windows].filter((w) => !w.isDestroyed()).map((w) => w.webContents);

function serveRenderer(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'apprentice') return new Response('Not found', { status: 404 });
    const rel = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = resolve(RENDERER_DIR, `.${rel}`);
    if (!file.startsWith(RENDERER_DIR + sep)) return new Response('Not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', CSP);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
}

function hardenContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      // Links to documentation open in the user's browser; nothing opens inside the app.
      if (url.startsWith('https://')) void shell.openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!url.startsWith(`${APP_ORIGIN}/`)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    backgroundColor: '#0d1014',
    title: 'Apprentice',
    webPreferences: {
      preload: PRELOAD,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  windows.add(win);
  win.on('closed', () => windows.delete(win));
  win.once('ready-to-show', () => win.show());
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

function buildMenu(svc: AppServices): void {
  const template: Electron.MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        { label: 'Open Log Folder', click: () => void shell.openPath(dirname(svc.log.file)) },
        { label: 'Open User Data Folder', click: () => void shell.openPath(app.getPath('userData')) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}

async function start(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  await app.whenReady();
  serveRenderer();
  hardenContents();
  services = createAppServices({
    userDataDir: app.getPath('userData'),
    platform: {
      shell: 'electron',
      versions: { electron: process.versions.electron ?? '', chrome: process.versions.chrome ?? '' },
      pickFile: async ({ title, defaultPath, extensions }) => {
        const win = BrowserWindow.getFocusedWindow();
        const opts: Electron.OpenDialogOptions = {
          title: title ?? 'Choose a file',
          properties: ['openFile'],
          ...(defaultPath ? { defaultPath } : {}),
          ...(extensions?.length
            ? {
                filters: [
                  { name: extensions.join(', '), extensions: extensions.map((e) => e.replace(/^\./, '')) },
                ],
              }
            : {}),
        };
        const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
      pickFolder: async ({ title, defaultPath }) => {
        const win = BrowserWindow.getFocusedWindow();
        const opts: Electron.OpenDialogOptions = {
          title: title ?? 'Choose a folder',
          properties: ['openDirectory', 'createDirectory'],
          ...(defaultPath ? { defaultPath } : {}),
        };
        const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
        return r.canceled ? null : (r.filePaths[0] ?? null);
      },
    },
  });
  services.log.info(`Apprentice starting (electron ${process.versions.electron})`);
  registerIpc(services, ownContents);
  buildMenu(services);
  createWindow();
  app.on('second-instance', () => {
    const [w] = windows;
    if (w) {
      if (w.isMinimized()) w.restore();
      w.focus();
    }
  });
  app.on('activate', () => {
    if (windows.size === 0) createWindow();
  });
}

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

let disposed = false;
app.on('before-quit', (event) => {
  if (disposed || !services) return;
  event.preventDefault();
  disposed = true;
  void services.dispose().finally(() => app.quit());
});

void start();
