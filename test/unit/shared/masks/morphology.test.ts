import { describe, expect, it } from 'vitest';
import {
  fillHoles,
  keepLargestComponent,
  postProcess,
  removeSmallIslands,
} from '../../../../shared/masks/morphology.js';

const grid = (rows: string[]) =>
  Uint8Array.from(
    rows
      .join('')
      .split('')
      .map((c) => (c === '#' ? 1 : 0)),
  );
const show = (m: Uint8Array, cols: number) =>
  Array.from({ length: m.length / cols }, (_, y) =>
    [...m.subarray(y * cols, (y + 1) * cols)].map((v) => (v ? '#' : '.')).join(''),
  );

describe('mask post-processing', () => {
  it('keeps the largest 8-connected component', () => {
    // A tie (4 pixels each): the component met first in scan order is kept.
    const lcc = keepLargestComponent(grid(['##...#', '##..##', '.....#']), 3, 6);
    expect(show(lcc, 6)).toEqual(['##....', '##....', '......']);
    const big = keepLargestComponent(grid(['#....#', '....##', '...#.#']), 3, 6);
    // Diagonal neighbours join (8-connectivity): the right shape has 5 pixels.
    expect(show(big, 6)).toEqual(['.....#', '....##', '...#.#']);
  });

  it('removes islands smaller than the limit', () => {
    const m = grid(['##....', '##..#.', '....#.', '.#..##', '......']);
    expect(show(removeSmallIslands(m, 5, 6, 2), 6)).toEqual([
      '##....',
      '##..#.',
      '....#.',
      '....##',
      '......',
    ]);
  });

  it('fills holes but not bays open to the border (4-connected background)', () => {
    const ring = grid(['.....', '.###.', '.#.#.', '.###.', '.....']);
    expect(show(fillHoles(ring, 5, 5), 5)).toEqual(['.....', '.###.', '.###.', '.###.', '.....']);
    const bay = grid(['.###.', '.#.#.', '.#.#.']);
    expect(show(fillHoles(bay, 3, 5), 5)).toEqual(['.###.', '.#.#.', '.#.#.']);
    // A hole reached only diagonally from outside stays a hole.
    const diag = grid(['###.', '#.#.', '##..']);
    expect(show(fillHoles(diag, 3, 4), 4)).toEqual(['###.', '###.', '##..']);
  });

  it('returns a 0/1 copy when nothing is asked for', () => {
    const src = Uint8Array.from([0, 255, 3]);
    const out = postProcess(src, 1, 3, {});
    expect([...out]).toEqual([0, 1, 1]);
    expect(out).not.toBe(src);
  });
});
