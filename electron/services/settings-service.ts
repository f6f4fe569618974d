/** Application settings, persisted as <userData>/settings.json. */
import { join } from 'node:path';
import { settingsSchema } from '../../shared/api-schema.js';
import type { Settings, SettingsPatch } from '../../shared/dto.js';
import { readJsonFile, writeJsonFile } from './json-file.js';
import type { Logger } from './logger.js';

export const DEFAULT_SETTINGS: Settings = {
  computeBackend: 'auto',
  teacherProvider: 'auto',
  defaultProjectsDir: null,
  recentProjectsLimit: 10,
  logLevel: 'info',
  overlayOpacity: 0.4,
  advanceOnAccept: true,
};

export class SettingsService {
  private readonly file: string;
  private current: Settings;

  constructor(
    userDataDir: string,
    private readonly log: Logger,
  ) {
    this.file = join(userDataDir, 'settings.json');
    // Keys from an older or newer version are tolerated: known ones are kept, the rest fall back to defaults.
    this.current = readJsonFile(
      this.file,
      (raw) => settingsSchema.parse({ ...DEFAULT_SETTINGS, ...pickKnown(raw) }),
      { ...DEFAULT_SETTINGS },
      log,
    );
  }

  get(): Settings {
    return { ...this.current };
  }

  /** `patch` has already been validated by the API schema; the merged result is validated again. */
  update(patch: SettingsPatch): Settings {
    const next = settingsSchema.parse({ ...this.current, ...patch });
    writeJsonFile(this.file, next);
    this.current = next;
    this.log.info('Settings updated', patch);
    return this.get();
  }
}

function pickKnown(raw: unknown): Partial<Settings> {
  if (typeof raw !== 'object' || raw === null) throw new Error('settings file is not a JSON object');
  const known = Object.keys(DEFAULT_SETTINGS);
  return Object.fromEntries(Object.entries(raw).filter(([k]) => known.includes(k))) as Partial<Settings>;
}
