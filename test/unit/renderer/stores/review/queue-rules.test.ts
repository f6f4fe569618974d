// The review queue's rules: the queue a pseudo-labelling run links to holds only the images it labelled,
// a stroke is not a decision, Accept records what was accepted and moves on when the setting says so.
import { describe, expect, it } from 'vitest';
import {
  acceptedStatus,
  indexAfterDecision,
  queueFilter,
  reviewedChange,
} from '../../../../../renderer/src/stores/review/queue-rules.js';

describe('review queue', () => {
  it('asks the database for only the pseudo-labelled images when scoped to them, all otherwise', () => {
    expect(queueFilter(3, 'pseudo-labelled')).toEqual({ datasetId: 3, pseudoLabelled: true });
    expect(queueFilter(3, 'all')).toEqual({ datasetId: 3 });
    expect(queueFilter(undefined, 'all')).toEqual({});
  });

  it('counts an image as reviewed once decided, not for a stroke, and uncounts it when undecided', () => {
    expect(reviewedChange('unreviewed', 'unreviewed')).toBe(0); // a stroke: still unreviewed
    expect(reviewedChange('unreviewed', 'accepted')).toBe(1);
    expect(reviewedChange('accepted', 'corrected')).toBe(0);
    expect(reviewedChange('rejected', 'unreviewed')).toBe(-1);
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
