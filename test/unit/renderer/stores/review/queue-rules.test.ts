// The review queue's rules: the queue a pseudo-labelling run links to holds only the images it labelled,
// a stroke is not a decision, Accept records what was accepted and moves on when the setting says so.
import { describe, expect, it } from 'vitest';
import type { ImageListItem } from '../../../../../shared/dto.js';
import {
  acceptedStatus,
  indexAfterDecision,
  queueOf,
  reviewedCount,
} from '../../../../../renderer/src/stores/review/queue-rules.js';

function item(id: number, patch: Partial<ImageListItem> = {}): ImageListItem {
  return {
    id,
    datasetId: 1,
    name: `img-${id}.png`,
    rows: 4,
    cols: 4,
    status: 'unreviewed',
    flagged: false,
    hasGroundTruth: false,
    hasPseudoLabel: false,
    hasCorrection: false,
    included: true,
    tags: [],
    split: null,
    caseId: null,
    ...patch,
  };
}

describe('review queue', () => {
  // 48 images, 40 of them pseudo-labelled: the link from pseudo-labelling counts 40.
  const items = Array.from({ length: 48 }, (_, i) => item(i + 1, { hasPseudoLabel: i < 40 }));

  it('holds only the pseudo-labelled images when scoped to them, all otherwise', () => {
    expect(queueOf(items, 'pseudo-labelled')).toHaveLength(40);
    expect(queueOf(items, 'all')).toHaveLength(48);
  });

  it('counts a drawn-on image as reviewed only once decided', () => {
    const q = queueOf(items, 'pseudo-labelled');
    q[0] = { ...q[0]!, hasCorrection: true }; // a stroke: still unreviewed
    q[1] = { ...q[1]!, status: 'accepted' };
    q[2] = { ...q[2]!, status: 'corrected', hasCorrection: true };
    expect(reviewedCount(q)).toBe(2);
  });

  it('records corrected when edits are accepted, accepted otherwise', () => {
    expect(acceptedStatus(true)).toBe('corrected');
    expect(acceptedStatus(false)).toBe('accepted');
  });

  it('moves to the next image after a decision when the setting is on, and stays on the last', () => {
    expect(indexAfterDecision(3, 40, true)).toBe(4);
    expect(indexAfterDecision(3, 40, false)).toBe(3);
    expect(indexAfterDecision(39, 40, true)).toBe(39);
  });
});
