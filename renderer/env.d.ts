/// <reference types="vite/client" />
import type { AppBridge } from '../shared/api';

declare global {
  interface Window {
    /** Set by the Electron preload; absent in the web shell, where api/ws-bridge.ts provides it. */
    api?: AppBridge;
  }
}

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
