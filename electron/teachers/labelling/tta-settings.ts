/** Which views the teachers run on under a fusion setting (shared/recipe.ts usesTta: on for 'auto' unless set). */
import { usesTta, type FusionMethod } from '../../../shared/recipe.js';
import { DEFAULT_TTA_VIEWS, type TtaView } from '../label-free/tta.js';

export const PLAIN_VIEW: readonly TtaView[] = [{ kind: 'identity' }];

export function ttaViewsOf(f: { method: FusionMethod; tta?: boolean | undefined }): readonly TtaView[] {
  return usesTta({ method: f.method, ...(f.tta !== undefined ? { tta: f.tta } : {}) })
    ? DEFAULT_TTA_VIEWS
    : PLAIN_VIEW;
}
