// useJob's core: every kind's progress event, merged as the jobs store merges it, reaches the composable typed by its
// kind (detail and result without a cast), and a job's end is reported once.
import { effectScope, nextTick, reactive, ref } from 'vue';
import { describe, expect, it } from 'vitest';
import { followJob, withJobEvent, type JobSource } from '../../../../renderer/src/composables/follow-job.js';
import type { JobKind, JobProgress } from '../../../../shared/jobs.js';
import { JOB_EVENTS } from '../../../helpers/job-events.js';

/** The jobs store's part that useJob reads: reports by id, merged event by event as the store does. */
function jobsSource() {
  const source = reactive({
    byId: {} as Record<string, JobProgress>,
    cancelled: [] as string[],
    cancel: async (jobId: string) => void source.cancelled.push(jobId),
  });
  const applyEvent = (job: JobProgress) => (source.byId = withJobEvent(source.byId, job));
  return { source: source as JobSource & { cancelled: string[] }, applyEvent };
}

describe('useJob', () => {
  it.each(Object.keys(JOB_EVENTS) as JobKind[])('follows a %s job from its events', async (kind) => {
    const event = JOB_EVENTS[kind];
    const jobs = jobsSource();
    const id = ref<string | null>(null);
    const scope = effectScope();
    const seen: string[] = [];
    const followed = scope.run(() =>
      followJob(jobs.source, id, [kind], { onUpdate: (j) => seen.push(j.phase) }),
    )!;
    expect(followed.job.value).toBeNull();
    jobs.applyEvent(event);
    id.value = event.jobId;
    await nextTick();
    expect(followed.job.value).toEqual(event);
    expect(followed.running.value).toBe(true);
    expect(seen).toEqual([event.phase]);
    // Another kind's hook does not see it.
    const other = scope.run(() => followJob(jobs.source, id, kind === 'import' ? ['export'] : ['import']))!;
    await followed.cancel();
    expect(jobs.source.cancelled).toEqual([event.jobId]);
    expect(other.job.value).toBeNull();
    scope.stop();
  });

  it('reads the typed detail of training and the typed result, and reports the end once', async () => {
    const jobs = jobsSource();
    const scope = effectScope();
    const ends: string[] = [];
    const train = scope.run(() =>
      followJob(jobs.source, () => 'j-train', ['train'], { onEnd: (j) => void ends.push(j.state) }),
    )!;
    jobs.applyEvent(JOB_EVENTS.train);
    await nextTick();
    expect(train.job.value?.detail?.validated).toBe(true);
    expect(train.job.value?.detail?.valDice).toBe(0.8123);
    expect(train.result.value).toBeNull();
    const imported = scope.run(() => followJob(jobs.source, () => 'j-import', ['import']))!;
    jobs.applyEvent({
      ...JOB_EVENTS.import,
      state: 'done',
      result: {
        datasetId: 1,
        dataset: 'd',
        imported: 4,
        duplicates: 0,
        withMasks: 0,
        stacks: 4,
        skipped: [],
        warnings: [],
      },
    });
    expect(imported.result.value?.imported).toBe(4);
    jobs.applyEvent({ ...JOB_EVENTS.train, state: 'cancelled' });
    await nextTick();
    jobs.applyEvent({ ...JOB_EVENTS.train, state: 'cancelled', phase: 'again' });
    await nextTick();
    expect(ends).toEqual(['cancelled']);
    // A late running report of a finished job does not bring it back.
    jobs.applyEvent(JOB_EVENTS.train);
    await nextTick();
    expect(train.job.value?.state).toBe('cancelled');
    scope.stop();
  });
});
