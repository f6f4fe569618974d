import { afterEach, describe, expect, it } from 'vitest';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { ProjectStore } from '../../../electron/store/project-store.js';
import { APP_VERSION, patternMask, projectWithImage, tempDir } from './helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));
function temp(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

const R = 24;
const C = 20;
const N = R * C;

describe('edit history', () => {
  it('undoes and redoes more than 100 steps, across a reopen, keeping every row', () => {
    const dir = temp();
    const { store, image } = projectWithImage(dir, R, C);
    const steps = 130;
    const ids: number[] = [];
    for (let i = 1; i <= steps; i++)
      ids.push(
        store.edits.append(image.id, 'corrected', patternMask(N, i), { tool: 'brush', params: { i } }).id,
      );
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(N, steps));
    store.close();

    const s = ProjectStore.open(dir, { appVersion: APP_VERSION });
    for (let i = steps - 1; i >= 1; i--) {
      const u = s.edits.undo(image.id, 'corrected')!;
      expect(u).toMatchObject({ op: 'undo', parentId: ids[i], targetId: ids[i - 1] });
      expect(s.edits.current(image.id, 'corrected')).toEqual(patternMask(N, i));
    }
    // Past the first edit: the empty start, then nothing more to undo.
    expect(s.edits.undo(image.id, 'corrected')).toMatchObject({ op: 'undo', targetId: null, maskHash: null });
    expect(s.edits.current(image.id, 'corrected')).toBeNull();
    expect(s.edits.undo(image.id, 'corrected')).toBeNull();
    expect(s.edits.state(image.id, 'corrected')).toEqual({
      headId: null,
      canUndo: false,
      canRedo: true,
      edits: steps,
    });

    for (let i = 1; i <= steps; i++) {
      expect(s.edits.redo(image.id, 'corrected')).toMatchObject({ op: 'redo', targetId: ids[i - 1] });
      expect(s.edits.current(image.id, 'corrected')).toEqual(patternMask(N, i));
    }
    expect(s.edits.redo(image.id, 'corrected')).toBeNull();
    const log = s.edits.history(image.id, 'corrected');
    expect(log).toHaveLength(steps * 3);
    expect(log.filter((e) => e.op === 'edit')).toHaveLength(steps);
    expect(s.info().counts.edits).toBe(steps);
    s.close();
  });

  it('an edit after undo starts a branch; the old branch stays for audit and redo follows the newest', () => {
    const { store, image } = projectWithImage(temp(), R, C);
    const e = (seed: number, tool = 'brush') =>
      store.edits.append(image.id, 'corrected', patternMask(N, seed), { tool });
    const a = e(1);
    const b = e(2);
    const c = e(3);
    store.edits.undo(image.id, 'corrected'); // -> b
    store.edits.undo(image.id, 'corrected'); // -> a
    const d = e(4, 'eraser'); // branch from a
    expect(d.parentId).toBe(a.id);
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 4));
    expect(store.edits.redo(image.id, 'corrected')).toBeNull(); // d has no child
    store.edits.undo(image.id, 'corrected'); // -> a
    expect(store.edits.redo(image.id, 'corrected')?.targetId).toBe(d.id); // the newest branch
    // The old branch is intact and readable.
    expect(store.edits.get(c.id)).toMatchObject({ op: 'edit', parentId: b.id });
    expect(store.edits.maskOf(c.id)).toEqual(patternMask(N, 3));
    expect(store.edits.history(image.id, 'corrected').map((x) => x.op)).toEqual([
      'edit',
      'edit',
      'edit',
      'undo',
      'undo',
      'edit',
      'undo',
      'redo',
    ]);
    // Layers are independent.
    expect(store.edits.current(image.id, 'ground_truth')).toBeNull();
    store.edits.append(image.id, 'ground_truth', patternMask(N, 7), { tool: 'import-fix' });
    expect(store.edits.layers(image.id)).toEqual(['corrected', 'ground_truth']);
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 4));
    store.close();
  });

  it('refuses a bad edit and keeps the last saved one', () => {
    const { store, image } = projectWithImage(temp(), R, C);
    store.edits.append(image.id, 'corrected', patternMask(N, 1), { tool: 'brush' });
    const bad: [unknown, unknown, unknown][] = [
      ['corrected', new Uint8Array(N - 1), { tool: 'brush' }],
      ['corrected', new Float32Array(N), { tool: 'brush' }],
      ['corrected', patternMask(N, 2), { tool: '' }],
      ['corrected', patternMask(N, 2), { tool: 'brush', params: { big: 1n } }],
      ['nonsense', patternMask(N, 2), { tool: 'brush' }],
    ];
    for (const [layer, mask, op] of bad) {
      let err: unknown;
      try {
        store.edits.append(image.id, layer as 'corrected', mask as Uint8Array, op as { tool: string });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe(ErrorCode.INVALID_ARGUMENT);
    }
    expect(() => store.edits.append(12345, 'corrected', patternMask(N, 2), { tool: 'brush' })).toThrow(
      /No image with id 12345/,
    );
    expect(store.edits.current(image.id, 'corrected')).toEqual(patternMask(N, 1));
    expect(store.edits.history(image.id, 'corrected')).toHaveLength(1);
    store.close();
  });
});
