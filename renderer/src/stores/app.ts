/** Application-level state: versions, compute backend, settings, the connection, the last error shown. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo, Settings, SettingsPatch } from '@shared/dto';
import { api, errorMessage, isDisconnectedError } from '../api/client';
import type { ConnectionState } from '../api/ws-bridge';

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const settings = ref<Settings | null>(null);
  const error = ref<string | null>(null);
  /** The connection to the server, shown once app-wide while it is lost (web shell only). */
  const connection = ref<ConnectionState>({
    status: 'connected',
    attempt: 0,
    nextAttemptAt: null,
    reason: null,
  });

  async function load(): Promise<void> {
    const [i, s] = await Promise.all([api().getAppInfo(), api().getSettings()]);
    info.value = i;
    settings.value = s;
  }

  async function updateSettings(patch: SettingsPatch): Promise<void> {
    try {
      settings.value = await api().updateSettings(patch);
    } catch (err) {
      showError(err);
    }
  }

  /** Shows an error in the banner; a lost connection is already shown by the connection banner. */
  function showError(err: unknown): void {
    if (isDisconnectedError(err)) return;
    error.value = errorMessage(err);
  }

  return { info, settings, error, connection, load, updateSettings, showError };
});
