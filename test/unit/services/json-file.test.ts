// JSON files of the user-data folder (settings, recent projects): a corrupt one is moved aside and the
// log says where it broke, without copying the file's content into the log.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../../../electron/services/json-file.js';
import { createNullLogger, type Logger } from '../../../electron/services/logger.js';
import { tempDir } from '../../helpers/temp.js';

describe('readJsonFile', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => (t = tempDir()));
  afterEach(() => t.cleanup());

  it('logs file, line and column of a corrupt file, not its content, and moves it aside', () => {
    const file = join(t.dir, 'settings.json');
    writeFileSync(file, '{\n  "proxyPassword": hunter2\n}\n');
    const logged: string[] = [];
    const log: Logger = {
      ...createNullLogger(),
      warn: (msg, data) => logged.push(`${msg} ${data instanceof Error ? data.message : String(data)}`),
    };
    expect(readJsonFile(file, (raw) => raw, 'fallback', log)).toBe('fallback');
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(
      /settings\.json is not valid JSON: line 2, column 20: expected a value, found 'h'/,
    );
    expect(logged[0]).not.toContain('hunter2');
    expect(readdirSync(t.dir).some((f) => f.startsWith('settings.json.corrupt-'))).toBe(true);
  });
});
