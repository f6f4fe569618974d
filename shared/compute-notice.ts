/**
 * The compute notice as the user sees it, once, in the app's banner and at the start of a CLI run: the
 * engine's notice and, when training fell back to the JavaScript kernels, why the native kernels were
 * not taken (e.g. the addon's missing libdnnl.so.2, which the notice alone does not name).
 */
import type { ComputeInfo } from './compute.js';

export interface ComputeNotice {
  /** The engine's notice; dismissing the banner remembers this text. */
  text: string;
  /** Why the fast path was not taken, when the engine says. */
  why?: string;
}

/** The tfjs backend name of the fast CPU backend without its addon (electron/engine/kernels/register.ts). */
const JS_FALLBACK = 'js-cpu';

export function computeNotice(
  info: Pick<ComputeInfo, 'notice' | 'backend' | 'candidates'>,
): ComputeNotice | null {
  if (!info.notice) return null;
  const native = info.candidates.find((c) => c.name === 'native');
  const why = info.backend === JS_FALLBACK ? native?.reason : undefined;
  return why ? { text: info.notice, why } : { text: info.notice };
}

/** The notice as terminal lines (the CLI prints them on stderr, so --json output stays one JSON line). */
export function computeNoticeLines(notice: ComputeNotice): string[] {
  return [`Notice: ${notice.text}`, ...(notice.why ? [`  Why: ${notice.why}`] : [])];
}
