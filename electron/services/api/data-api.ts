/**
 * The Data and Review screens' part of the AppApi: datasets, images and their pixels, masks and their
 * edits, review status, curation (tags, splits, near-duplicates, thumbnails) and mask export.
 */
import type { AppApi } from '../../../shared/api.js';
import type { JobOf } from '../../../shared/jobs.js';
import { AppError, ErrorCode } from '../../../shared/errors.js';
import { importImages } from '../import-service.js';
import { exportMasks } from '../mask-export.js';
import * as review from '../review-service.js';
import * as curation from '../curation-service.js';
import { absolutePath } from '../paths.js';
import type { ApiContext } from './context.js';

export type DataMethods =
  | 'listDatasets'
  | 'renameDataset'
  | 'deleteDataset'
  | 'importImages'
  | 'listImages'
  | 'listImagesPage'
  | 'getImage'
  | 'getMasks'
  | 'saveMaskEdit'
  | 'undoMaskEdit'
  | 'redoMaskEdit'
  | 'setReview'
  | 'exportMasks'
  | 'getThumbnails'
  | 'updateImages'
  | 'assignSplits'
  | 'findNearDuplicates';

export function dataApi({ jobs, projects }: ApiContext): Pick<AppApi, DataMethods> {
  return {
    async listDatasets() {
      const store = projects.require();
      const lone = curation.loneImagesByDataset(store);
      return store.datasets.list().map((d) => ({ ...d, loneImages: lone.get(d.id) ?? 0 }));
    },
    async renameDataset(req) {
      return curation.renameDataset(projects.require(), req);
    },
    async deleteDataset({ datasetId }) {
      const store = projects.require();
      const running = jobs.list().find((j) => j.state === 'running' || j.state === 'queued');
      if (running)
        throw new AppError(
          ErrorCode.FAILED_PRECONDITION,
          `A ${running.kind} job is running: wait for it or cancel it, then delete the dataset`,
          { jobId: running.jobId },
        );
      return curation.deleteDataset(store, datasetId);
    },
    async importImages({ path, dataset, role, masksPath, manifestPath }): Promise<JobOf<'import'>> {
      const store = projects.require();
      const request = {
        path: absolutePath(path, 'The import path'),
        dataset,
        role: role ?? 'transferal',
        ...(masksPath ? { masksPath: absolutePath(masksPath, 'The masks folder') } : {}),
        ...(manifestPath ? { manifestPath: absolutePath(manifestPath, 'The manifest') } : {}),
      };
      return jobs.start('import', (ctx) => importImages(store, request, ctx));
    },
    async listImages(q) {
      return review.listImages(projects.require(), q);
    },
    async listImagesPage(q) {
      return review.listImagesPage(projects.require(), q);
    },
    async getImage({ imageId }) {
      return review.getImage(projects.require(), imageId);
    },
    async getMasks({ imageId }) {
      return review.getMasks(projects.require(), imageId);
    },
    async saveMaskEdit(req) {
      return review.saveMaskEdit(projects.require(), req);
    },
    async undoMaskEdit({ imageId }) {
      return review.stepMaskEdit(projects.require(), imageId, 'undo');
    },
    async redoMaskEdit({ imageId }) {
      return review.stepMaskEdit(projects.require(), imageId, 'redo');
    },
    async setReview(req) {
      return review.setReview(projects.require(), req);
    },
    async exportMasks({ outDir, format, layer, datasetId }) {
      const store = projects.require();
      const request = {
        outDir: absolutePath(outDir, 'The export folder'),
        format,
        layer,
        ...(datasetId !== undefined ? { datasetId } : {}),
      };
      return jobs.start('export-masks', (ctx) => exportMasks(store, request, ctx));
    },
    async getThumbnails({ imageIds, size }) {
      return curation.thumbnails(projects.require(), imageIds, size ?? 96);
    },
    async updateImages(req) {
      curation.updateImages(projects.require(), req);
    },
    async assignSplits(req) {
      return curation.assignSplits(projects.require(), req);
    },
    async findNearDuplicates({ datasetId, maxDistance }) {
      return curation.nearDuplicates(projects.require(), {
        ...(datasetId !== undefined ? { datasetId } : {}),
        maxDistance: maxDistance ?? 4,
      });
    },
  };
}
