// ipc.ts against a fake 'electron': foreign senders and invalid arguments never reach a service.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_CHANNELS } from '../../../shared/api-methods.js';
import type { Reply } from '../../../shared/api.js';
import type { AppServices } from '../../../electron/services/app-services.js';
import { testServices } from '../../helpers/services.js';
import { tempDir } from '../../helpers/temp.js';

type Handler = (event: unknown, ...args: unknown[]) => Promise<Reply<unknown>>;
const handlers = new Map<string, Handler>();

vi.mock('electron', () => ({
  ipcMain: {
    handle: (ch: string, fn: Handler) => handlers.set(ch, fn),
    removeHandler: (ch: string) => handlers.delete(ch),
  },
}));

const { registerIpc, APP_ORIGIN } = await import('../../../electron/ipc.js');

function fakeContents(url: string) {
  const sent: unknown[][] = [];
  const mainFrame = { url };
  return { mainFrame, sent, isDestroyed: () => false, send: (...a: unknown[]) => sent.push(a) };
}

describe('ipc', () => {
  const t = tempDir();
  let services: AppServices;
  const own = fakeContents(`${APP_ORIGIN}/index.html`);
  let unregister: () => void;

  beforeAll(() => {
    services = testServices(t.dir, 'electron');
    unregister = registerIpc(services, () => [own as never]);
  });
  afterAll(async () => {
    unregister();
    await services.dispose();
    t.cleanup();
  });

  const call = (event: unknown, method: unknown, args: unknown) =>
    handlers.get(IPC_CHANNELS.call)!(event, method, args);
  const trusted = { sender: own, senderFrame: own.mainFrame };

  it('answers a trusted call from our own window', async () => {
    const r = await call(trusted, 'getSettings', []);
    expect(r.ok).toBe(true);
  });

  it.each([
    [
      'a foreign origin',
      () => {
        const w = fakeContents('https://evil.example/');
        return { sender: w, senderFrame: w.mainFrame };
      },
    ],
    [
      'a file:// page',
      () => {
        const w = fakeContents('file:///tmp/x.html');
        return { sender: w, senderFrame: w.mainFrame };
      },
    ],
    ['a sub-frame of our window', () => ({ sender: own, senderFrame: { url: `${APP_ORIGIN}/index.html` } })],
    ['a destroyed frame', () => ({ sender: own, senderFrame: null })],
    [
      'a window that is not ours',
      () => {
        const w = fakeContents(`${APP_ORIGIN}/index.html`);
        return { sender: w, senderFrame: w.mainFrame };
      },
    ],
  ])('refuses %s', async (_name, event) => {
    const r = await call(event(), 'getSettings', []);
    expect(r).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
  });

  it.each([
    ['an unknown method', 'rmRf', []],
    ['a prototype key', '__proto__', []],
    ['arguments that are not a list', 'openProject', { path: '/x' }],
    ['a wrong argument type', 'openProject', [{ path: 3 }]],
    ['an unexpected field', 'createProject', [{ parentDir: '/tmp', name: 'x', evil: true }]],
    ['a path with a NUL byte', 'openProject', [{ path: '/tmp/\0x' }]],
    ['too many arguments', 'getAppInfo', [1, 2]],
  ])('refuses %s with INVALID_ARGUMENT', async (_name, method, args) => {
    const r = await call(trusted, method, args);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  // Whatever structured clone can carry, as the method, as the arguments, and from a foreign sender.
  const hostile: [string, unknown][] = [
    ['null', null],
    ['undefined', undefined],
    ['a boolean', true],
    ['a number', 1.5],
    ['a bigint', 10n],
    ['a list', ['getSettings']],
    ['an empty object', {}],
    ['an object with a non-callable toString', { toString: 1 }],
    ['an object with a non-callable valueOf', { valueOf: 1, toString: {} }],
    ['an object without a prototype', Object.create(null) as object],
    ['an object with a constructor key', { constructor: { prototype: 1 } }],
    ['a Map', new Map([['toString', 1]])],
    ['a typed array', new Uint8Array(4)],
  ];

  it.each(hostile)('refuses %s as the method with INVALID_ARGUMENT', async (_name, method) => {
    const r = await call(trusted, method, []);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it.each(hostile)('refuses %s as the arguments with INVALID_ARGUMENT', async (_name, args) => {
    const r = await call(trusted, 'openProject', args);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it.each(hostile)('refuses %s as the method from a foreign sender', async (_name, method) => {
    const w = fakeContents('https://evil.example/');
    const r = await call({ sender: w, senderFrame: w.mainFrame }, method, []);
    expect(r).toMatchObject({ ok: false, error: { code: 'PERMISSION_DENIED' } });
  });

  it('refuses a relative path in the service (paths must be absolute)', async () => {
    const r = await call(trusted, 'openProject', [{ path: 'relative/project' }]);
    expect(r).toMatchObject({ ok: false, error: { code: 'INVALID_ARGUMENT' } });
  });

  it('forwards events to our windows', async () => {
    await call(trusted, 'updateSettings', [{ overlayOpacity: 0.3 }]);
    expect(own.sent.at(-1)).toEqual([
      IPC_CHANNELS.event,
      { type: 'settings', settings: expect.objectContaining({ overlayOpacity: 0.3 }) },
    ]);
  });
});
