/**
 * Binds the AppApi to Electron's IPC. Every call is checked twice: the sender must be the main frame of
 * one of our own windows showing our own origin (a navigated-away or embedded frame gets nothing), and
 * the arguments must pass the contract's schema (in dispatch). Events go to our windows only.
 */
import { ipcMain, type IpcMainInvokeEvent, type WebContents } from 'electron';
import { IPC_CHANNELS } from '../shared/api-methods.js';
import { AppError, ErrorCode } from '../shared/errors.js';
import type { Reply } from '../shared/api.js';
import { describeMethod, dispatch } from './services/dispatch.js';
import type { AppServices } from './services/app-services.js';

/** The origin our renderer is served from (a privileged custom scheme registered in main.ts). */
export const APP_ORIGIN = 'app://apprentice';

export function isTrustedSender(event: IpcMainInvokeEvent, ownWindows: () => WebContents[]): boolean {
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  if (!ownWindows().includes(event.sender)) return false;
  try {
    // Not URL.origin: Node's URL reports 'null' as the origin of schemes it does not know, like app:.
    const u = new URL(frame.url);
    return `${u.protocol}//${u.host}` === APP_ORIGIN;
  } catch {
    return false;
  }
}

/** Registers the handler and the event fan-out; returns a function that undoes both. */
export function registerIpc(services: AppServices, ownWindows: () => WebContents[]): () => void {
  ipcMain.handle(
    IPC_CHANNELS.call,
    async (event, method: unknown, args: unknown): Promise<Reply<unknown>> => {
      if (!isTrustedSender(event, ownWindows)) {
        services.log.warn(`IPC call ${describeMethod(method)} refused from an untrusted sender`, {
          url: event.senderFrame?.url,
        });
        return {
          ok: false,
          error: new AppError(
            ErrorCode.PERMISSION_DENIED,
            'Refused: the request did not come from Apprentice',
          ).toPayload(),
        };
      }
      return dispatch(services.api, method, args, services.log);
    },
  );
  const unsubscribe = services.subscribe((event) => {
    for (const wc of ownWindows()) if (!wc.isDestroyed()) wc.send(IPC_CHANNELS.event, event);
  });
  return () => {
    ipcMain.removeHandler(IPC_CHANNELS.call);
    unsubscribe();
  };
}
