/**
 * A SampleSource that lives in the process that starts a training worker (a project's store is open
 * there, not in the worker), served to the worker's thread over a MessagePort: the worker asks for
 * sample i when a batch needs it and the owner reads it then, so no side holds the whole set.
 */
import type { MessagePort } from 'node:worker_threads';
import { AppError, toAppError, type ErrorPayload } from '../../shared/errors.js';
import type { Sample } from '../students/dataset.js';
import type { SampleRef, SampleSource } from '../students/samples/source.js';

type Ask = { seq: number; at: number };
type Answer = { seq: number; sample: Sample } | { seq: number; error: ErrorPayload };

/** Owner side: answers the worker's requests from `source` until the port closes. */
export function serveSource(source: SampleSource, port: MessagePort): void {
  port.on('message', (m: Ask) => {
    source.load(m.at).then(
      (sample) => port.postMessage({ seq: m.seq, sample } satisfies Answer),
      (err: unknown) => port.postMessage({ seq: m.seq, error: toAppError(err).toPayload() } satisfies Answer),
    );
  });
}

/** Worker side: the same source, each load a request to the owner. */
export function servedSource(refs: readonly SampleRef[], port: MessagePort): SampleSource {
  const waiting = new Map<number, { resolve(s: Sample): void; reject(e: Error): void }>();
  let next = 0;
  port.on('message', (m: Answer) => {
    const w = waiting.get(m.seq);
    if (!w) return;
    waiting.delete(m.seq);
    if ('error' in m) w.reject(AppError.fromPayload(m.error));
    else w.resolve(m.sample);
  });
  return {
    refs,
    load: (at) =>
      new Promise<Sample>((resolve, reject) => {
        const seq = next++;
        waiting.set(seq, { resolve, reject });
        port.postMessage({ seq, at } satisfies Ask);
      }),
  };
}
