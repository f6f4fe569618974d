// The Review tool registry: every tool has its own key, free of Review's other single-key commands, and
// its line in the `?` help; each tool's press/drag/release makes the edit the history records.
import { describe, expect, it } from 'vitest';
import {
  REVIEW_TOOLS,
  toolForKey,
  type Press,
  type ToolContext,
} from '../../../../renderer/src/review/tools/index.js';
import { REVIEW_COMMAND_KEYS, REVIEW_SHORTCUTS } from '../../../../renderer/src/shortcuts.js';
import type { Rect } from '../../../../renderer/src/viewer/brush.js';

function context(cols: number, rows: number, gate?: { min: number; max: number; samples: Uint8Array }) {
  const changed: Rect[] = [];
  const ctx: ToolContext = {
    mask: { data: new Uint8Array(cols * rows), cols, rows },
    radius: 2,
    gate: gate && { ...gate, channels: 1 },
    changed: (r) => void changed.push(r),
  };
  return { ctx, changed };
}

const tool = (id: string) => REVIEW_TOOLS.find((t) => t.id === id)!;
const gestureOf = (p: Press) => ('gesture' in p ? p.gesture : expect.unreachable('a gesture'));
const editOf = (p: Press) => ('edit' in p ? p.edit : expect.unreachable('an edit'));

describe('review tool registry', () => {
  it('gives every tool its own id and its own key, bound to no other Review command', () => {
    const ids = REVIEW_TOOLS.map((t) => t.id);
    const keys = REVIEW_TOOLS.map((t) => t.key);
    expect(new Set(ids).size).toBe(ids.length);
    expect(new Set(keys).size).toBe(keys.length);
    const commandKeys: string[] = Object.values(REVIEW_COMMAND_KEYS).flat();
    for (const t of REVIEW_TOOLS) {
      expect(t.key, t.id).toMatch(/^[a-z]$/);
      expect(commandKeys, t.id).not.toContain(t.key);
      expect(toolForKey(t.key)).toBe(t);
    }
    expect(new Set(commandKeys).size).toBe(commandKeys.length);
  });

  it('lists every tool in the help under its key', () => {
    const help = REVIEW_SHORTCUTS.flatMap((g) => g.keys);
    for (const t of REVIEW_TOOLS) expect(help, t.id).toContainEqual([t.key.toUpperCase(), t.help]);
  });

  it('brush paints along the path in place (only on gated intensities) and records the stroke', () => {
    const samples = new Uint8Array(20 * 10).fill(50);
    for (let y = 0; y < 10; y++) for (let x = 10; x < 20; x++) samples[y * 20 + x] = 200;
    const { ctx, changed } = context(20, 10, { min: 0, max: 100, samples });
    const g = gestureOf(tool('brush').press({ x: 2, y: 5 }, ctx));
    g.move({ x: 18, y: 5 }, [
      { x: 10, y: 5 },
      { x: 18, y: 5 },
    ]);
    const edit = g.end()!;
    expect(edit.name).toBe('brush');
    expect(edit.apply).toBeUndefined();
    expect(edit.params).toMatchObject({ radius: 2, points: 3 });
    expect(ctx.mask.data[5 * 20 + 5]).toBe(255);
    expect(ctx.mask.data[5 * 20 + 15]).toBe(0); // above the gate's maximum
    expect(changed.length).toBeGreaterThan(0);
  });

  it('eraser clears whatever the gate says and records nothing when it touched nothing', () => {
    const samples = new Uint8Array(100).fill(200);
    const { ctx } = context(10, 10, { min: 0, max: 100, samples });
    ctx.mask.data.fill(255);
    const g = gestureOf(tool('eraser').press({ x: 5, y: 5 }, ctx));
    expect(g.end()!.name).toBe('eraser');
    expect(ctx.mask.data[5 * 10 + 5]).toBe(0);
    const outside = context(10, 10).ctx;
    expect(gestureOf(tool('eraser').press({ x: -20, y: -20 }, outside)).end()).toBeNull();
  });

  it('lasso fills and lasso cut erases the outline drawn; fewer than three points save nothing', () => {
    const { ctx } = context(10, 10);
    const square = [
      { x: 6, y: 1 },
      { x: 6, y: 6 },
      { x: 1, y: 6 },
    ];
    const g = gestureOf(tool('lasso').press({ x: 1, y: 1 }, ctx));
    for (const p of square) g.move(p, [p]);
    expect(g.outline?.()).toHaveLength(4);
    const edit = g.end()!;
    expect(edit).toMatchObject({ name: 'lasso', params: { points: 4 } });
    const filled = edit.apply!(ctx.mask.data, 10, 10);
    expect(filled[3 * 10 + 3]).toBe(255);
    expect(filled[8 * 10 + 8]).toBe(0);
    const cut = gestureOf(tool('lasso-cut').press({ x: 1, y: 1 }, ctx));
    for (const p of square) cut.move(p, [p]);
    const cutEdit = cut.end()!;
    expect(cutEdit.name).toBe('lasso-cut');
    expect(cutEdit.apply!(new Uint8Array(100).fill(255), 10, 10)[3 * 10 + 3]).toBe(0);
    const click = gestureOf(tool('lasso').press({ x: 1, y: 1 }, ctx));
    click.move({ x: 2, y: 2 }, [{ x: 2, y: 2 }]);
    expect(click.end()).toBeNull();
  });

  it('flood fill edits at once, recorded as flood-fill at the pixel clicked', () => {
    const { ctx } = context(10, 10);
    const edit = editOf(tool('fill').press({ x: 3.7, y: 4.2 }, ctx));
    expect(edit).toMatchObject({ name: 'flood-fill', params: { x: 3, y: 4 } });
    expect(edit.apply!(ctx.mask.data, 10, 10).every((v) => v === 255)).toBe(true);
  });
});
