/** What the crash child does at step i of a round, shared with the parent that checks the result. */
export function pickOp(round: number, i: number): 'edit' | 'undo' | 'redo' {
  const r = ((round * 7919 + i * 104729) >>> 0) % 20;
  return r < 15 ? 'edit' : r < 18 ? 'undo' : 'redo';
}

/** Seed of the mask the child draws at step i of a round (unique per step). */
export function maskSeed(round: number, i: number): number {
  return round * 100_000 + i + 1;
}
