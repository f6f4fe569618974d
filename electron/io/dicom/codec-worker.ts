/**
 * Worker thread that runs the third-party image codecs (wasm and JS), so that a decoder which loops or
 * aborts on malformed data can be stopped by terminating the thread. See codec-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { describe } from '../errors.js';
import { decodeFrame, decodeJpegFile } from './codecs.js';
import type { CodecJob, CodecReply } from './codec-pool.js';

parentPort!.on('message', (job: CodecJob) => {
  const run = job.kind === 'jpegFile' ? decodeJpegFile(job.encoded) : decodeFrame(job.encoded, job.params);
  run.then(
    (out) => {
      const frame = 'codec' in out ? out.codec : 'native' in out ? undefined : out;
      if ('native' in out) {
        parentPort!.postMessage({ id: job.id, native: out.native } satisfies CodecReply, [
          out.native.buffer as ArrayBuffer,
        ]);
      } else {
        parentPort!.postMessage({ id: job.id, frame: frame! } satisfies CodecReply, [
          frame!.samples.buffer as ArrayBuffer,
        ]);
      }
    },
    (err: unknown) => parentPort!.postMessage({ id: job.id, error: describe(err) } satisfies CodecReply),
  );
});
