/** Small display formats shared by the screens. */

/** A job's estimated time left, in words ("" when the job cannot tell). */
export function etaText(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return seconds >= 90 ? `about ${Math.round(seconds / 60)} min left` : `about ${seconds} s left`;
}

/** A stored timestamp (ISO 8601) in the user's locale. */
export function dateTimeText(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** What a list that has not loaded yet says: loading while connected, otherwise that it could not load. */
export function notLoadedText(connection: string, what: string): string {
  return connection === 'connected' ? `Loading ${what}…` : 'Not loaded: not connected.';
}

/** A score with `digits` decimals, or "–" where there is none (NaN and infinities arrive as null over JSON). */
export function fixed(v: number | null | undefined, digits: number): string {
  return typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : '–';
}

/** Bytes as whole mebibytes (for GPU memory: "412"). */
export function mebibytes(bytes: number): string {
  return String(Math.round(bytes / (1024 * 1024)));
}
