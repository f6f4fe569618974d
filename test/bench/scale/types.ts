/**
 * The contract between the scale benchmark's harness (run.ts) and its sections (ui.ts, training.ts,
 * labelling.ts): each section gets the generated data and the imported project, and returns its figures.
 */

/** One measured figure against its target, as printed in the table and written to test-results/scale.json. */
export interface ScaleRow {
  section: string;
  name: string;
  value: number;
  unit: string;
  target: string;
  met: boolean;
  note?: string;
}

/** Where a section finds things: the generated images, the imported project, and a scratch folder. */
export interface ScaleContext {
  dataDir: string;
  projectDir: string;
  workDir: string;
  slices: number;
}
