/**
 * The review queue's rules, pure so that unit tests can check them: which images the queue holds, what
 * counts as reviewed, what Accept records and where it goes next. Relative `.js` imports because those
 * tests type-check it as Node code too.
 */
import type { ImageListItem, ImagePageFilter, ReviewStateName } from '../../../../shared/dto.js';

/** The whole dataset, or only the images the teachers labelled (the queue a pseudo-labelling run made). */
export type QueueScope = 'all' | 'pseudo-labelled';

/** The database's filter for a queue: one dataset or all, and only the pseudo-labelled ones when scoped. */
export function queueFilter(datasetId: number | undefined, scope: QueueScope): ImagePageFilter {
  return {
    ...(datasetId !== undefined ? { datasetId } : {}),
    ...(scope === 'pseudo-labelled' ? { pseudoLabelled: true } : {}),
  };
}

/** Reviewed means decided: a stroke alone is an edit in progress, not a decision. */
export function isReviewed(item: Pick<ImageListItem, 'status'>): boolean {
  return item.status !== 'unreviewed';
}

/** How a change of status moves the queue's "n reviewed": +1 when decided, -1 when undecided again. */
export function reviewedChange(before: ReviewStateName, after: ReviewStateName): -1 | 0 | 1 {
  const was = isReviewed({ status: before });
  const is = isReviewed({ status: after });
  return was === is ? 0 : is ? 1 : -1;
}

/** Accept records 'corrected' when the reviewer's edits are what is accepted, 'accepted' otherwise. */
export function acceptedStatus(hasEdits: boolean): ReviewStateName {
  return hasEdits ? 'corrected' : 'accepted';
}

/** The queue position after a decision: the next image when the setting says so and there is one. */
export function indexAfterDecision(index: number, length: number, advance: boolean): number {
  return advance && index + 1 < length ? index + 1 : index;
}

/** How the status reads on screen. */
export const STATUS_LABELS: Record<ReviewStateName, string> = {
  unreviewed: 'unreviewed',
  accepted: 'accepted',
  corrected: 'accepted with corrections',
  rejected: 'rejected',
  excluded: 'excluded',
};
