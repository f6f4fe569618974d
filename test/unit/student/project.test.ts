import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectSamples } from '../../../electron/engine/student/project-samples.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../electron/engine/student/trainer.js';
import { resolveConfig } from '../../../electron/engine/zoo/index.js';
import { JobManager } from '../../../electron/services/job-manager.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import { StudentService } from '../../../electron/services/student-service.js';
import { ProjectStore } from '../../../electron/store/index.js';
import { tempDir } from '../../helpers/temp.js';
import { tinySamples } from './helpers.js';

const tmp = tempDir('apprentice-project-train-');
afterAll(() => tmp.cleanup());

describe("training on a project's stored images and labels", () => {
  it('uses corrected labels over pseudo-labels, and records the student, its checkpoint and metrics', async () => {
    const store = ProjectStore.create(join(tmp.dir, 'p'), { name: 'p', appVersion: '0.0.0-test' });
    try {
      const ds = store.datasets.add({ name: 'transferal', role: 'transferal' });
      const samples = await tinySamples();
      const ids = samples.map((s) => {
        const pixels = Uint8Array.from(s.image, (v) => Math.round(v * 255));
        const img = store.images.addWithPixels(
          {
            datasetId: ds.id,
            rows: s.rows,
            cols: s.cols,
            channels: 1,
            dtype: 'uint8',
            source: { kind: 'png', path: `${s.id}.png`, caseId: s.caseId },
          },
          pixels,
        );
        store.masks.put(img.id, { kind: 'pseudo_label', pixels: s.mask!.map((v) => (v ? 1 : 0)) });
        return img.id;
      });
      // One person-corrected label: an empty mask, which must win over the pseudo-label.
      store.edits.append(ids[0]!, 'corrected', new Uint8Array(samples[0]!.rows * samples[0]!.cols), {
        tool: 'eraser',
      });
      const { samples: got, unlabeled } = projectSamples(store, ds.id, 'reviewed');
      expect(unlabeled).toBe(0);
      expect(got[0]!.mask!.every((v) => v === 0)).toBe(true);
      expect(got[1]!.mask!.some((v) => v > 0)).toBe(true);
      expect(got[1]!.caseId).toBe('bus_0005');

      const jobs = new JobManager(() => undefined, createNullLogger());
      const job = new StudentService(jobs, () => store).trainFromProject({
        name: 'from-project',
        datasetId: ds.id,
        labels: 'reviewed',
        model: { kind: 'zoo', config: resolveConfig('unet-tiny', { size: 32, width: 4, depth: 2 }) },
        options: { ...DEFAULT_TRAIN_OPTIONS, augment: null, epochs: 2, batchSize: 2 },
        split: { valFraction: 0.25 },
        resume: false,
      });
      const final = await jobs.wait(job.jobId);
      expect(final.state, final.error?.message).toBe('done');
      const [student] = store.students.list();
      expect(student).toMatchObject({ name: 'from-project', card: { arch: 'unet', labels: 'reviewed' } });
      expect(store.students.checkpoints(student!.id)[0]!.path).toMatch(/students\/from-project\/model$/);
      expect(store.metrics.list({ studentId: student!.id, name: 'val_dice' })).toHaveLength(2);
    } finally {
      store.close();
    }
  });
});
