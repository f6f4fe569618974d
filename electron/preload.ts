/**
 * The sandboxed preload: exposes exactly the contract's methods (plus event subscription) as window.api.
 * Nothing else of Node or Electron reaches the renderer. Bundled to CommonJS (sandboxed preloads cannot
 * be ES modules) by build/scripts/build-electron.mjs.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { API_METHODS, IPC_CHANNELS } from '../shared/api-methods.js';
import type { AppBridge } from '../shared/api.js';
import type { AppEvent, AppEventListener } from '../shared/events.js';

function buildBridge(): AppBridge {
  const bridge: Record<string, unknown> = {};
  for (const method of API_METHODS) {
    bridge[method] = (...args: unknown[]) => ipcRenderer.invoke(IPC_CHANNELS.call, method, args);
  }
  bridge.onEvent = (listener: AppEventListener) => {
    const handler = (_e: IpcRendererEvent, event: AppEvent) => listener(event);
    ipcRenderer.on(IPC_CHANNELS.event, handler);
    return () => {
      ipcRenderer.removeListener(IPC_CHANNELS.event, handler);
    };
  };
  return bridge as AppBridge;
}

contextBridge.exposeInMainWorld('api', buildBridge());
