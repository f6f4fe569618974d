/**
 * The method names of AppApi as data, and the IPC channel names. Kept free of any dependency so that the
 * sandboxed preload script can bundle it cheaply. A type test keeps this list equal to the interface.
 */
import type { ApiMethod } from './api.js';

export const API_METHODS = [
  'getAppInfo',
  'getSettings',
  'updateSettings',
  'listRecentProjects',
  'forgetRecentProject',
  'createProject',
  'openProject',
  'closeProject',
  'getCurrentProject',
  'pickFolder',
  'listFolder',
  'pickFile',
  'listDatasets',
  'renameDataset',
  'deleteDataset',
  'importImages',
  'listImages',
  'listImagesPage',
  'getImage',
  'getMasks',
  'saveMaskEdit',
  'undoMaskEdit',
  'redoMaskEdit',
  'setReview',
  'exportMasks',
  'listTeachers',
  'importTeacher',
  'previewTeacher',
  'runPseudoLabels',
  'previewFusion',
  'listStudentPresets',
  'describeStudent',
  'trainStudent',
  'planTraining',
  'listTrainingRuns',
  'listStudents',
  'exportStudent',
  'runTransfer',
  'checkTransferPaths',
  'loadTransferSpec',
  'saveTransferSpec',
  'evaluateDataset',
  'listEvaluations',
  'getEvaluation',
  'listTransferRuns',
  'saveReport',
  'getThumbnails',
  'updateImages',
  'assignSplits',
  'findNearDuplicates',
  'listJobs',
  'cancelJob',
] as const satisfies readonly ApiMethod[];

// Compile-time proof that the list is complete: every ApiMethod must appear in API_METHODS.
type Missing = Exclude<ApiMethod, (typeof API_METHODS)[number]>;
const _complete: Missing extends never ? true : Missing = true;
void _complete;

export const IPC_CHANNELS = {
  /** renderer -> main: invoke(method, args) answered with a Reply. */
  call: 'apprentice:call',
  /** main -> renderer: AppEvent. */
  event: 'apprentice:event',
} as const;

export function isApiMethod(name: unknown): name is ApiMethod {
  return typeof name === 'string' && (API_METHODS as readonly string[]).includes(name);
}
