/** Application-level state: versions, compute backend, settings, the last error shown to the user. */
import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { AppInfo, Settings, SettingsPatch } from '@shared/dto';
import { api, errorMessage } from '../api/client';

export const useAppStore = defineStore('app', () => {
  const info = ref<AppInfo | null>(null);
  const settings = ref<Settings | null>(null);
  const error = ref<string | null>(null);

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

  function showError(err: unknown): void {
    error.value = errorMessage(err);
  }

  return { info, settings, error, load, updateSettings, showError };
});
