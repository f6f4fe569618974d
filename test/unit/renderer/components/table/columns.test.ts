// RecordTable's order: which way a heading sorts first, that a second click flips it, where rows without a
// value go, and that equal values keep the order they came in.
import { describe, expect, it } from 'vitest';
import {
  nextSort,
  sortArrow,
  sortRows,
  type Column,
} from '../../../../../renderer/src/components/table/columns.js';

interface Row {
  name: string;
  dice: number | null;
}
const columns: Column<Row>[] = [
  { key: 'name', label: 'Image', sortBy: (r) => r.name },
  { key: 'dice', label: 'Dice', num: true, sortBy: (r) => r.dice, descFirst: true },
  { key: 'note', label: 'Note' },
];
const rows: Row[] = [
  { name: 'b', dice: 0.5 },
  { name: 'a', dice: null },
  { name: 'c', dice: 0.9 },
  { name: 'd', dice: 0.5 },
];
const names = (rs: Row[]) => rs.map((r) => r.name).join('');

describe('record table sorting', () => {
  it('keeps the given order until a heading is clicked, and never reorders the rows it was given', () => {
    expect(names(sortRows(rows, columns, null))).toBe('bacd');
    sortRows(rows, columns, { key: 'name', desc: false });
    expect(names(rows)).toBe('bacd');
  });

  it('sorts names lowest first and scores highest first, a second click flipping either', () => {
    const byName = nextSort(null, columns[0]!);
    expect(byName).toEqual({ key: 'name', desc: false });
    expect(names(sortRows(rows, columns, byName))).toBe('abcd');
    const byDice = nextSort(byName, columns[1]!);
    expect(byDice).toEqual({ key: 'dice', desc: true });
    // Equal scores keep their order (b before d); a row without a score counts lowest.
    expect(names(sortRows(rows, columns, byDice))).toBe('cbda');
    const flipped = nextSort(byDice, columns[1]!);
    expect(flipped).toEqual({ key: 'dice', desc: false });
    expect(names(sortRows(rows, columns, flipped))).toBe('abdc');
  });

  it('ignores a heading without a sort value, and marks only the sorted one', () => {
    const s = { key: 'dice', desc: true };
    expect(nextSort(s, columns[2]!)).toBe(s);
    expect(nextSort(null, columns[2]!)).toBeNull();
    expect([
      sortArrow(s, 'dice'),
      sortArrow(s, 'name'),
      sortArrow({ key: 'dice', desc: false }, 'dice'),
    ]).toEqual(['▼', '', '▲']);
  });
});
