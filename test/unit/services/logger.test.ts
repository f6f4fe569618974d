import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFileLogger } from '../../../electron/services/logger.js';
import { tempDir } from '../../helpers/temp.js';

describe('rotating file logger', () => {
  let cleanup = () => {};
  afterEach(() => cleanup());

  it('writes lines with level, filters by level, and records error stacks', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const log = createFileLogger({ dir: t.dir, level: 'info' });
    log.debug('hidden');
    log.info('hello', { a: 1 });
    log.error('boom', new Error('kaput'));
    const text = readFileSync(log.file, 'utf8');
    expect(text).not.toMatch(/hidden/);
    expect(text).toMatch(/INFO {2}hello \{"a":1\}/);
    expect(text).toMatch(/ERROR boom Error: kaput\n\s+at /);
  });

  it('rotates by size and keeps a bounded number of files', () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const log = createFileLogger({ dir: t.dir, maxBytes: 1000, keep: 3 });
    for (let i = 0; i < 200; i++) log.info(`line ${i} ${'x'.repeat(40)}`);
    const files = readdirSync(t.dir).sort();
    expect(files).toEqual(['main.1.log', 'main.2.log', 'main.3.log', 'main.log']);
    for (const f of files) expect(readFileSync(join(t.dir, f)).length).toBeLessThanOrEqual(1000);
    expect(readFileSync(log.file, 'utf8')).toMatch(/line 199/);
    expect(existsSync(join(t.dir, 'main.4.log'))).toBe(false);
  });
});
