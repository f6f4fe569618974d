/**
 * Every CSV the app writes (evaluation rows, a transfer's metrics, the Evaluate screen's download) goes
 * through here, with one rule: comma-separated, a field quoted (quotes doubled) exactly when it holds a
 * comma, a quote or a line break, LF line ends, a header line, an empty cell for a missing value. The
 * writing is csv-stringify's; shared/ so that the renderer's download writes the same text as the CLI.
 */
import { stringify } from 'csv-stringify/sync';

/** A cell as given: text as is, a number as JavaScript prints it, null/undefined as an empty field. */
export type CsvCell = string | number | null | undefined;

export function csvText(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return stringify([[...header], ...rows.map((r) => [...r])], { eof: true });
}
