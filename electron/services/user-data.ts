/**
 * The user-data folder outside Electron (CLI, web shell): the same place Electron's app.getPath('userData')
 * gives for productName "Apprentice", so settings and recent projects are shared between the shells.
 * APPRENTICE_USER_DATA overrides it (tests, several isolated instances).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultUserDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.APPRENTICE_USER_DATA) return env.APPRENTICE_USER_DATA;
  switch (process.platform) {
    case 'win32':
      return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Apprentice');
    case 'darwin':
      return join(homedir(), 'Library', 'Application Support', 'Apprentice');
    default:
      return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Apprentice');
  }
}
