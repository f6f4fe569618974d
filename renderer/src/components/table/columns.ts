/**
 * The columns of a RecordTable and how its rows sort: pure, so unit tests check the order without a
 * browser. Relative imports only, as the unit tests type-check it as Node code.
 */

/** One column: its heading, how a cell reads when no `cell-<key>` slot draws it, how it sorts. */
export interface Column<Row> {
  key: string;
  label: string;
  /** Right-aligned tabular figures. */
  num?: boolean;
  /** Classes of the column's cells (e.g. 'path', 'small'). */
  cellClass?: string;
  /** The cell's text, when no slot draws it (null: empty). */
  text?: (row: Row) => string | number | null;
  /** What the column sorts by: with it, a click on the heading sorts the rows (missing values lowest). */
  sortBy?: (row: Row) => string | number | null | undefined;
  /** The first click sorts highest first (scores); otherwise lowest first (names). */
  descFirst?: boolean;
}

/** Which column the rows are sorted by; null: as given. */
export type SortState = { key: string; desc: boolean } | null;

/** The sort after a click on `column`'s heading: the same column flips, another starts its own way. */
export function nextSort<Row>(current: SortState, column: Column<Row>): SortState {
  if (!column.sortBy) return current;
  if (current?.key === column.key) return { key: column.key, desc: !current.desc };
  return { key: column.key, desc: column.descFirst ?? false };
}

/** The rows in the order `sort` asks for (a copy; stable, so equal values keep their given order). */
export function sortRows<Row>(rows: readonly Row[], columns: readonly Column<Row>[], sort: SortState): Row[] {
  const by = sort && columns.find((c) => c.key === sort.key)?.sortBy;
  if (!sort || !by) return [...rows];
  const value = (row: Row) => by(row) ?? -Infinity;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c =
      typeof x === 'string' && typeof y === 'string'
        ? x.localeCompare(y)
        : typeof x === 'number' && typeof y === 'number'
          ? x === y
            ? 0
            : x < y
              ? -1
              : 1
          : typeof x === 'number'
            ? -1
            : 1;
    return sort.desc ? -c : c;
  });
}

/** The heading's arrow: ▲ lowest first, ▼ highest first, nothing when the table is not sorted by it. */
export function sortArrow(sort: SortState, key: string): string {
  return sort?.key === key ? (sort.desc ? '▼' : '▲') : '';
}
