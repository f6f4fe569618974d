/**
 * The Transfer screen's part of the AppApi: checking, loading, saving and running a run spec, and the
 * project's earlier runs.
 */
import type { AppApi } from '../../../shared/api.js';
import * as transfer from '../transfer-service.js';
import { checkTransferPaths } from '../../transfer/preflight.js';
import type { ApiContext } from './context.js';

export type TransferMethods =
  'runTransfer' | 'checkTransferPaths' | 'loadTransferSpec' | 'saveTransferSpec' | 'listTransferRuns';

export function transferApi({ jobs, projects }: ApiContext): Pick<AppApi, TransferMethods> {
  return {
    async runTransfer({ spec, fresh }) {
      return transfer.startTransfer(jobs, projects.current(), spec, fresh === true);
    },
    async checkTransferPaths({ paths }) {
      return checkTransferPaths(paths);
    },
    async loadTransferSpec({ path }) {
      return transfer.loadTransferSpec(path);
    },
    async saveTransferSpec({ spec, path }) {
      return transfer.saveTransferSpec(spec, path);
    },
    async listTransferRuns() {
      return projects.require().transferRuns.list();
    },
  };
}
