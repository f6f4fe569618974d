/**
 * Run-time schemas for every AppApi method's arguments. The main process validates each call against
 * these before any service sees it: a renderer is treated as untrusted input.
 */
import { z } from 'zod';
import type { ApiMethod } from './api.js';
import { COMPUTE_BACKEND_CHOICES, TEACHER_PROVIDER_CHOICES } from './compute.js';
import { fusionSchema, postSchema, recipeFields } from './recipe-schema.js';
import { transferSpecSchema } from './transfer.js';
import {
  DATASET_ROLES,
  MASK_EXPORT_FORMATS,
  MASK_EXPORT_LAYERS,
  REVIEW_STATES,
  STUDENT_LABEL_SOURCES,
  UNASSIGNED_SPLIT_POLICIES,
} from './dto.js';

export const MAX_PATH_LENGTH = 4096;

/** A file-system path: bounded, no NUL bytes. Whether it is allowed is decided by the service. */
export const pathSchema = z
  .string()
  .min(1, 'path is empty')
  .max(MAX_PATH_LENGTH, 'path is too long')
  .refine((s) => !s.includes('\0'), 'path contains a NUL byte');

/** A name that becomes a folder name: no separators, no reserved characters, not . or .. */
export const projectNameSchema = z
  .string()
  .trim()
  .min(1, 'name is empty')
  .max(120, 'name is longer than 120 characters')
  .refine(
    // eslint-disable-next-line no-control-regex
    (s) => !/[<>:"/\\|?*\u0000-\u001f]/.test(s),
    'name contains a character not allowed in folder names',
  )
  .refine((s) => s !== '.' && s !== '..', 'name cannot be . or ..');

export const settingsSchema = z
  .object({
    computeBackend: z.enum(COMPUTE_BACKEND_CHOICES),
    teacherProvider: z.enum(TEACHER_PROVIDER_CHOICES),
    defaultProjectsDir: pathSchema.nullable(),
    recentProjectsLimit: z.number().int().min(1).max(50),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']),
    overlayOpacity: z.number().min(0).max(1),
    advanceOnAccept: z.boolean(),
  })
  .strict();

/** Masks are one byte per pixel; 8192 x 8192 is far beyond any slice we import. */
export const MAX_MASK_PIXELS = 8192 * 8192;
const id = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const tag = z.string().trim().min(1).max(64);
/** File name endings to offer, e.g. ['.json', '.onnx', '.nii.gz']. */
const extensions = z
  .array(z.string().regex(/^\.[A-Za-z0-9.]{1,15}$/, 'an extension looks like .json'))
  .max(20);
const fraction = z.number().min(0).max(1);
const datasetNameSchema = z
  .string()
  .trim()
  .min(1, 'dataset name is empty')
  .max(200, 'dataset name is longer than 200 characters')
  // eslint-disable-next-line no-control-regex
  .refine((s) => !/[\u0000-\u001f]/.test(s), 'dataset name contains a control character');
const seed = recipeFields.seed;
const trainingSelection = {
  datasetId: id,
  labels: z.enum(STUDENT_LABEL_SOURCES),
  teacherId: id.optional(),
  valFraction: recipeFields.valFraction,
  unassigned: z.enum(UNASSIGNED_SPLIT_POLICIES).optional(),
  seed,
};
const pseudoLabelOptions = z
  .object({
    teacherIds: z.array(id).min(1).max(32),
    datasetId: id,
    fusion: fusionSchema.optional(),
    post: postSchema.optional(),
  })
  .strict();
const none = z.tuple([]);
const one = <T extends z.ZodType>(s: T) => z.tuple([s]);

export const apiArgSchemas: { [M in ApiMethod]: z.ZodType } = {
  getAppInfo: none,
  getSettings: none,
  updateSettings: one(settingsSchema.partial().strict()),
  listRecentProjects: none,
  forgetRecentProject: one(z.object({ path: pathSchema }).strict()),
  createProject: one(z.object({ parentDir: pathSchema, name: projectNameSchema }).strict()),
  openProject: one(z.object({ path: pathSchema }).strict()),
  closeProject: none,
  getCurrentProject: none,
  pickFolder: one(
    z.object({ title: z.string().max(200).optional(), defaultPath: pathSchema.optional() }).strict(),
  ),
  listFolder: one(z.object({ path: pathSchema.optional(), extensions: extensions.optional() }).strict()),
  pickFile: one(
    z
      .object({
        title: z.string().max(200).optional(),
        defaultPath: pathSchema.optional(),
        extensions: extensions.optional(),
      })
      .strict(),
  ),
  listDatasets: none,
  renameDataset: one(z.object({ datasetId: id, name: datasetNameSchema }).strict()),
  deleteDataset: one(z.object({ datasetId: id }).strict()),
  importImages: one(
    z
      .object({
        path: pathSchema,
        dataset: datasetNameSchema,
        role: z.enum(DATASET_ROLES).optional(),
        masksPath: pathSchema.optional(),
        manifestPath: pathSchema.optional(),
      })
      .strict(),
  ),
  listImages: one(
    z
      .object({
        datasetId: id.optional(),
        order: z.enum(['name', 'uncertainty']).optional(),
        status: z.enum(REVIEW_STATES).optional(),
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
  ),
  listImagesPage: one(
    z
      .object({
        offset: z.number().int().min(0).optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        filter: z
          .object({
            datasetId: id.optional(),
            status: z.enum(REVIEW_STATES).optional(),
            split: z.enum(['train', 'val', 'test', 'none']).optional(),
            includeExcluded: z.boolean().optional(),
            flagged: z.boolean().optional(),
            pseudoLabelled: z.boolean().optional(),
          })
          .strict()
          .optional(),
        search: z.string().max(200).optional(),
        sort: z.enum(['name', 'uncertainty']).optional(),
      })
      .strict(),
  ),
  getImage: one(z.object({ imageId: id }).strict()),
  getMasks: one(z.object({ imageId: id }).strict()),
  saveMaskEdit: one(
    z
      .object({
        imageId: id,
        mask: z.instanceof(Uint8Array).refine((m) => m.length <= MAX_MASK_PIXELS, 'mask is too large'),
        tool: z.string().min(1).max(64),
        params: z
          .record(z.string(), z.unknown())
          .refine((p) => JSON.stringify(p).length <= 64 * 1024, 'tool parameters are larger than 64 KiB')
          .optional(),
      })
      .strict(),
  ),
  undoMaskEdit: one(z.object({ imageId: id }).strict()),
  redoMaskEdit: one(z.object({ imageId: id }).strict()),
  setReview: one(
    z
      .object({
        imageId: id,
        status: z.enum(REVIEW_STATES).optional(),
        flagged: z.boolean().optional(),
        note: z.string().max(10_000).optional(),
      })
      .strict(),
  ),
  exportMasks: one(
    z
      .object({
        outDir: pathSchema,
        format: z.enum(MASK_EXPORT_FORMATS),
        layer: z.enum(MASK_EXPORT_LAYERS),
        datasetId: id.optional(),
      })
      .strict(),
  ),
  listTeachers: none,
  importTeacher: one(
    z
      .object({
        path: pathSchema,
        name: z.string().trim().min(1).max(200).optional(),
        hints: z
          .object({
            layout: z.enum(['NCHW', 'NHWC']).optional(),
            height: z.number().int().min(8).max(4096).optional(),
            width: z.number().int().min(8).max(4096).optional(),
            resize: z.enum(['stretch', 'letterbox']).optional(),
            scale: z.number().gt(0).max(1000).optional(),
            mean: z.array(z.number().min(-1e4).max(1e4)).min(1).max(4).optional(),
            std: z.array(z.number().gt(0).max(1e4)).min(1).max(4).optional(),
            outputKind: z.enum(['logits', 'sigmoid', 'softmax']).optional(),
            foregroundChannel: z.number().int().min(0).max(255).optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
  ),
  previewTeacher: one(
    z
      .object({ teacherId: id, datasetId: id.optional(), count: z.number().int().min(1).max(16).optional() })
      .strict(),
  ),
  runPseudoLabels: one(pseudoLabelOptions),
  previewFusion: one(
    pseudoLabelOptions.extend({ count: z.number().int().min(1).max(8).optional() }).strict(),
  ),
  listStudentPresets: none,
  describeStudent: one(z.object({ preset: z.string().min(1).max(64), size: recipeFields.size }).strict()),
  trainStudent: one(
    z
      .object({
        name: projectNameSchema,
        preset: z.string().min(1).max(64),
        size: recipeFields.size,
        ...trainingSelection,
        epochs: recipeFields.epochs,
        batchSize: recipeFields.batchSize,
        learningRate: recipeFields.learningRate,
        augment: z.boolean(),
        patience: recipeFields.patience,
        resume: z.boolean(),
        fromModel: pathSchema.optional(),
        freezeEncoder: z.boolean().optional(),
      })
      .strict(),
  ),
  planTraining: one(z.object(trainingSelection).strict()),
  listTrainingRuns: none,
  listStudents: none,
  exportStudent: one(z.object({ studentId: id, outDir: pathSchema }).strict()),
  runTransfer: one(z.object({ spec: transferSpecSchema, fresh: z.boolean().optional() }).strict()),
  checkTransferPaths: one(
    z
      .object({
        paths: z
          .object({
            teachers: z.array(pathSchema).max(16).optional(),
            transferal: z
              .object({ images: pathSchema.optional(), corrections: pathSchema.optional() })
              .strict()
              .optional(),
            finetune: z
              .object({ images: pathSchema.optional(), masks: pathSchema.optional() })
              .strict()
              .optional(),
            test: z
              .object({ images: pathSchema.optional(), masks: pathSchema.optional() })
              .strict()
              .optional(),
            out: pathSchema.optional(),
          })
          .strict(),
      })
      .strict(),
  ),
  loadTransferSpec: one(z.object({ path: pathSchema }).strict()),
  saveTransferSpec: one(z.object({ spec: transferSpecSchema, path: pathSchema }).strict()),
  evaluateDataset: one(
    z.object({ datasetId: id, split: z.enum(['train', 'val', 'test']).optional() }).strict(),
  ),
  listEvaluations: none,
  getEvaluation: one(z.object({ evaluationId: id }).strict()),
  listTransferRuns: none,
  saveReport: one(
    z
      .object({
        evaluationId: id,
        outFile: pathSchema.refine((p) => /\.html?$/i.test(p), 'the report file must end in .html'),
      })
      .strict(),
  ),
  getThumbnails: one(
    z
      .object({ imageIds: z.array(id).min(1).max(200), size: z.number().int().min(16).max(512).optional() })
      .strict(),
  ),
  updateImages: one(
    z
      .object({
        imageIds: z.array(id).min(1).max(100_000),
        included: z.boolean().optional(),
        addTags: z.array(tag).max(50).optional(),
        removeTags: z.array(tag).max(50).optional(),
      })
      .strict(),
  ),
  assignSplits: one(
    z
      .object({
        datasetId: id,
        train: fraction,
        val: fraction,
        test: fraction,
        seed: z
          .number()
          .int()
          .min(0)
          .max(2 ** 32 - 1),
      })
      .strict(),
  ),
  findNearDuplicates: one(
    z.object({ datasetId: id.optional(), maxDistance: z.number().int().min(0).max(32).optional() }).strict(),
  ),
  listJobs: none,
  cancelJob: one(z.object({ jobId: z.string().min(1).max(100) }).strict()),
};

/** Formats zod issues as one line a user can read: "name: name is empty; parentDir: path is too long". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((i) => {
      const where = i.path.filter((p) => typeof p !== 'number' || i.path.length === 1).join('.');
      return where ? `${where}: ${i.message}` : i.message;
    })
    .join('; ');
}
