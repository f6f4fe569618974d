/**
 * Where training samples come from, without holding their pixels: a list of references (id and case, for
 * the split) and a loader that reads and decodes one sample when it is needed. Folders, a project and
 * an in-memory list all give this shape, so the trainer streams any of them through one bounded cache.
 */
import type { Sample } from './sample.js';

/** What the split needs of a sample: no pixels. */
export interface SampleRef {
  id: string;
  /** Patient/case grouping for the validation split. */
  caseId: string;
}

export interface SampleSource {
  readonly refs: readonly SampleRef[];
  /** Reads and decodes sample i (of refs); a bad file is an AppError naming it. */
  load(i: number): Promise<Sample>;
}

/** Samples already in memory (tests, small sets): the same shape as a streaming source. */
export function memorySource(samples: readonly Sample[]): SampleSource {
  return {
    refs: samples.map((s) => ({ id: s.id, caseId: s.caseId })),
    load: (i) => Promise.resolve(samples[i]!),
  };
}

/** The source restricted to some of its samples, in the given order (a split's train or val side). */
export function subset(source: SampleSource, indices: readonly number[]): SampleSource {
  return {
    refs: indices.map((i) => source.refs[i]!),
    load: (k) => source.load(indices[k]!),
  };
}
