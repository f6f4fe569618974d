/**
 * The codec worker pool: a job that overruns its time limit is reported and its worker terminated; the
 * next job runs on a fresh worker and must not be failed by the old worker's exit.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeFrameIsolated, setCodecTimeout } from '../../../../electron/io/dicom/codec-pool.js';
import type { FrameParams } from '../../../../electron/io/dicom/codecs.js';
import { encapsulatedFrames } from '../../../../electron/io/dicom/frames.js';
import { parseDicomHeader } from '../../../../electron/io/dicom/stack.js';

const PATH = resolve(
  import.meta.dirname,
  '../../../../../shared/data/dicom/pydicom-debian-testfiles/JPEG2000.dcm',
);

function firstFrame(): { encoded: Uint8Array; params: FrameParams } {
  const { parsed, info } = parseDicomHeader(PATH, new Uint8Array(readFileSync(PATH)));
  const el = parsed.dataSet.elements[info.pixelTag!]!;
  const [encoded] = encapsulatedFrames(parsed.dataSet, el, 1, 'j2k');
  const params: FrameParams = {
    transferSyntax: info.transferSyntax,
    rows: info.rows,
    cols: info.cols,
    samplesPerPixel: info.samplesPerPixel,
    bitsAllocated: info.bitsAllocated,
    photometric: info.photometric,
    frameBytes: info.rows * info.cols * 2,
  };
  return { encoded: encoded!, params };
}

describe('codec worker pool', () => {
  afterAll(() => setCodecTimeout(60_000));

  it('runs the job after a timed-out one to completion on a fresh worker', { timeout: 60_000 }, async () => {
    const { encoded, params } = firstFrame();
    // 1 ms: the first job cannot finish (the worker alone takes longer to start).
    setCodecTimeout(1);
    const first = decodeFrameIsolated(encoded, params).then(
      () => 'decoded',
      (err: Error) => {
        // Runs before the pool starts the next job: that one gets the ordinary limit.
        setCodecTimeout(60_000);
        return err.message;
      },
    );
    const second = decodeFrameIsolated(encoded, params);
    expect(await first).toMatch(/did not finish within/);
    const out = await second;
    expect('codec' in out && out.codec.width).toBe(256);
  });
});
