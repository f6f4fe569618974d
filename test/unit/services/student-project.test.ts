import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectSampleSource, selectTrainingImages } from '../../../electron/services/project-samples.js';
import type { TrainingRecord } from '../../../electron/students/run.js';
import { DEFAULT_TRAIN_OPTIONS } from '../../../electron/students/trainer.js';
import { resolveConfig } from '../../../electron/engine/zoo/index.js';
import { JobManager } from '../../../electron/services/job-manager.js';
import { createNullLogger } from '../../../electron/services/logger.js';
import {
  listTrainingRuns,
  planTraining,
  projectTrainRequest,
  startProjectTraining,
  type ProjectTrainRequest,
} from '../../../electron/services/student-service.js';
import { ProjectStore } from '../../../electron/store/index.js';
import type { Split } from '../../../electron/store/images.js';
import { apiArgSchemas } from '../../../shared/api-schema.js';
import type { TrainStudentRequest } from '../../../shared/dto.js';
import { tempDir } from '../../helpers/temp.js';
import { tinySamples } from '../students/helpers.js';

const tmp = tempDir('apprentice-project-train-');
afterAll(() => tmp.cleanup());

/**
 * The six tiny BUS-BRA images as a project dataset with pseudo-labels, split as given (null = unassigned).
 * Cases: bus_0005 (l, r), bus_0006, bus_0007 (l, r), bus_0008.
 */
async function projectWith(name: string, splits: (Split | null)[]) {
  const store = ProjectStore.create(join(tmp.dir, name), { name, appVersion: '0.0.0-test' });
  const ds = store.datasets.add({ name: 'transferal', role: 'transferal' });
  const samples = await tinySamples();
  const ids = samples.map((s, k) => {
    const img = store.images.addWithPixels(
      {
        datasetId: ds.id,
        rows: s.rows,
        cols: s.cols,
        channels: 1,
        dtype: 'uint8',
        split: splits[k] ?? null,
        source: { kind: 'png', path: `${s.id}.png`, caseId: s.caseId },
      },
      Uint8Array.from(s.image, (v) => Math.round(v * 255)),
    );
    store.masks.put(img.id, { kind: 'pseudo_label', pixels: s.mask!.map((v) => (v ? 1 : 0)) });
    return img.id;
  });
  return { store, ds, ids };
}

const TINY_TRAINING: Omit<ProjectTrainRequest, 'name' | 'datasetId' | 'unassigned' | 'resume'> = {
  labels: 'reviewed',
  model: { kind: 'zoo', config: resolveConfig('unet-tiny', { size: 32, width: 4, depth: 2 }) },
  options: { ...DEFAULT_TRAIN_OPTIONS, augment: null, epochs: 2, batchSize: 2 },
  valFraction: 0.25,
};

describe("training on a project's stored images and labels", () => {
  it('uses corrected labels over pseudo-labels, and records the student, its checkpoint and metrics', async () => {
    const { store, ds, ids } = await projectWith('p', []);
    try {
      // One person-corrected label: an empty mask, which must win over the pseudo-label.
      const samples = await tinySamples();
      store.edits.append(ids[0]!, 'corrected', new Uint8Array(samples[0]!.rows * samples[0]!.cols), {
        tool: 'eraser',
      });
      const selection = selectTrainingImages(store, {
        datasetId: ds.id,
        labels: 'reviewed',
        unassigned: 'train',
        valFraction: 0.2,
        seed: 1,
      });
      expect(selection.plan).toMatchObject({ train: { images: 6 }, unlabeled: 0, test: 0 });
      const source = projectSampleSource(store, selection.train, 'reviewed');
      const got = await Promise.all(source.refs.map((_, i) => source.load(i)));
      expect(got[0]!.mask!.every((v) => v === 0)).toBe(true);
      expect(got[1]!.mask!.some((v) => v > 0)).toBe(true);
      expect(got[1]!.caseId).toBe('bus_0005');

      const jobs = new JobManager(() => undefined, createNullLogger());
      const job = startProjectTraining(jobs, store, {
        ...TINY_TRAINING,
        name: 'from-project',
        datasetId: ds.id,
        unassigned: 'split',
        resume: false,
      });
      const final = await jobs.wait(job.jobId);
      expect(final.state, final.error?.message).toBe('done');
      const [student] = store.students.list();
      expect(student).toMatchObject({ name: 'from-project', card: { arch: 'unet', labels: 'reviewed' } });
      expect(store.students.checkpoints(student!.id)[0]!.path).toMatch(/students\/from-project\/model$/);
      expect(store.metrics.list({ studentId: student!.id, name: 'val_dice' })).toHaveLength(2);

      // A second run under the same name is refused before it starts, in the screen's words; the
      // finished run is listed as such, so the screen can propose a fresh name.
      expect(() =>
        startProjectTraining(jobs, store, {
          ...TINY_TRAINING,
          name: 'from-project',
          datasetId: ds.id,
          unassigned: 'split',
          resume: false,
        }),
      ).toThrow(/named "from-project" has finished training in this project: choose another name/);
      expect(listTrainingRuns(store)).toEqual([
        expect.objectContaining({ name: 'from-project', state: 'finished', lastEpoch: 2 }),
      ]);
    } finally {
      store.close();
    }
  });
});

describe('assigned splits', () => {
  const TEST_IMAGES = ['image-1', 'image-2'];

  it('never puts an assigned test image into the train or validation samples, whatever the setting', async () => {
    // bus_0005 l+r test, bus_0006 val, bus_0007-l train, bus_0007-r and bus_0008 unassigned.
    const { store, ds } = await projectWith('splits', ['test', 'test', 'val', 'train', null, null]);
    try {
      for (const unassigned of ['train', 'split', 'exclude'] as const) {
        const s = selectTrainingImages(store, {
          datasetId: ds.id,
          labels: 'reviewed',
          unassigned,
          valFraction: 0.5,
          seed: 3,
        });
        const trainIds = projectSampleSource(store, s.train, 'reviewed').refs.map((x) => x.id);
        const valIds = projectSampleSource(store, s.val, 'reviewed').refs.map((x) => x.id);
        for (const t of TEST_IMAGES) {
          expect(trainIds, unassigned).not.toContain(t);
          expect(valIds, unassigned).not.toContain(t);
        }
        expect(s.plan).toMatchObject({ test: 2, unassigned: 2 });
        // Assigned images stay where they were put; bus_0007-r follows its case into training.
        expect(valIds).toContain('image-3');
        expect(trainIds).toEqual(expect.arrayContaining(['image-4', 'image-5']));
        const counts = {
          train: { train: 3, val: 1, leftOut: 0 },
          exclude: { train: 2, val: 1, leftOut: 1 },
          // The one free case (bus_0008) cannot go to validation without leaving no free case to train.
          split: { train: 3, val: 1, leftOut: 0 },
        }[unassigned];
        expect(s.plan).toMatchObject({
          train: { images: counts.train },
          val: { images: counts.val },
          unassignedLeftOut: counts.leftOut,
        });
      }
    } finally {
      store.close();
    }
  });

  it('holds out an unassigned image of a test case with its case', async () => {
    // bus_0005-l is test; bus_0005-r (same patient) came in later, unassigned.
    const { store, ds } = await projectWith('late-slice', ['test', null, 'val', 'train', 'train', 'train']);
    try {
      const s = selectTrainingImages(store, {
        datasetId: ds.id,
        labels: 'reviewed',
        unassigned: 'train',
        valFraction: 0.2,
        seed: 1,
      });
      expect([...s.train, ...s.val].map((i) => i.id)).not.toContain(2);
      expect(s.plan).toMatchObject({ test: 2, train: { images: 3 }, val: { images: 1 } });
    } finally {
      store.close();
    }
  });

  it('trains on train, validates on val, and records the test images as held out', async () => {
    const { store, ds } = await projectWith('trained', ['test', 'test', 'val', 'train', 'train', 'val']);
    try {
      const jobs = new JobManager(() => undefined, createNullLogger());
      const job = startProjectTraining(jobs, store, {
        ...TINY_TRAINING,
        name: 'honours-splits',
        datasetId: ds.id,
        unassigned: 'split',
        resume: false,
      });
      const final = await jobs.wait(job.jobId);
      expect(final.state, final.error?.message).toBe('done');
      const record = JSON.parse(
        readFileSync(join(store.dir, 'students', 'honours-splits', 'training.json'), 'utf8'),
      ) as TrainingRecord;
      expect(record.data).toMatchObject({ trainImages: 2, valImages: 2, trainCases: 1, valCases: 2 });
      expect(record.data.split).toMatchObject({ valIds: ['image-3', 'image-6'] });
      expect(record.data.source).toMatch(/2 test held out/);
    } finally {
      store.close();
    }
  });

  it('refuses a run whose training set is empty once test images are held out, saying what was left out', async () => {
    const { store, ds } = await projectWith('all-test', ['test', 'test', 'test', 'test', 'val', 'val']);
    try {
      const jobs = new JobManager(() => undefined, createNullLogger());
      expect(() =>
        startProjectTraining(jobs, store, {
          ...TINY_TRAINING,
          name: 'nothing-to-train',
          datasetId: ds.id,
          unassigned: 'split',
          resume: false,
        }),
      ).toThrow(
        /no training image with a reviewed label, the training set is empty \(0 train \/ 2 val images, 4 test held out\)/,
      );
    } finally {
      store.close();
    }
  });
});

describe("soft labels: one teacher's probability maps", () => {
  /** Two teachers: "wide" has maps of all six images, "narrow" of the first three only. */
  async function projectWithMaps(name: string) {
    const p = await projectWith(name, []);
    const samples = await tinySamples();
    const wide = p.store.teachers.add({ name: 'wide', kind: 'onnx', card: {} });
    const narrow = p.store.teachers.add({ name: 'narrow', kind: 'onnx', card: {} });
    p.ids.forEach((id, k) => {
      // Quantized probabilities (value / 255): confident inside the mask, a little mass outside it.
      const pixels = samples[k]!.mask!.map((v) => (v ? 230 : 12));
      p.store.masks.put(id, { kind: 'probability', teacherId: wide.id, pixels });
      if (k < 3) p.store.masks.put(id, { kind: 'probability', teacherId: narrow.id, pixels });
    });
    return { ...p, wide, narrow };
  }

  it('takes the teacher through the API, plans with its maps only, and refuses soft labels without one', async () => {
    const { store, ds, narrow } = await projectWithMaps('soft-plan');
    try {
      const selection = {
        datasetId: ds.id,
        labels: 'probability',
        teacherId: narrow.id,
        unassigned: 'train',
        valFraction: 0.2,
        seed: 1,
      } as const;
      expect(apiArgSchemas.planTraining.safeParse([selection]).success).toBe(true);
      expect(planTraining(store, selection)).toMatchObject({ train: { images: 3 }, unlabeled: 3 });
      const { teacherId: _t, ...withoutTeacher } = selection;
      expect(() => planTraining(store, withoutTeacher)).toThrow(
        /Soft labels need the teacher whose probabilities to use/,
      );
    } finally {
      store.close();
    }
  });

  it("trains on the chosen teacher's maps as soft targets, and records the teacher", async () => {
    const { store, ds, wide } = await projectWithMaps('soft-train');
    try {
      const jobs = new JobManager(() => undefined, createNullLogger());
      const request: TrainStudentRequest = {
        name: 'soft',
        preset: 'unet-tiny',
        size: 32,
        datasetId: ds.id,
        labels: 'probability',
        teacherId: wide.id,
        epochs: 1,
        batchSize: 2,
        learningRate: 0.002,
        valFraction: 0.2,
        unassigned: 'split',
        seed: 1,
        augment: false,
        patience: 0,
        resume: false,
      };
      expect(apiArgSchemas.trainStudent.safeParse([request]).success).toBe(true);
      const job = startProjectTraining(jobs, store, projectTrainRequest(request));
      const final = await jobs.wait(job.jobId);
      expect(final.state, final.error?.message).toBe('done');
      const record = JSON.parse(
        readFileSync(join(store.dir, 'students', 'soft', 'training.json'), 'utf8'),
      ) as TrainingRecord;
      // Probabilities are soft targets (value / 255), not thresholded at "any probability above 0".
      expect(record.data.targetMode).toBe('soft');
      expect(record.teachers).toEqual(['wide']);
      expect(record.data.trainImages + record.data.valImages).toBe(6);
      expect(store.students.list()[0]!.card).toMatchObject({ labels: 'probability', teacherId: wide.id });
    } finally {
      store.close();
    }
  });
});
