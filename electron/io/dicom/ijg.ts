import { createRequire } from 'node:module';
import dcmjsCodecs from 'dcmjs-codecs';
import type { CodecFrame } from './codestream.js';
import { readSof, requireEndMarker } from './codestream.js';

// DCMTK's IJG codecs (8/12/16-bit, one wasm module in dcmjs-codecs) decode what libjpeg-turbo's 8-bit
// build cannot: 12-bit JPEG Extended (process 4) and JPEG Lossless (process 14, any predictor). Measured
// here, it decodes lossless frames 5x faster than the pure-JS jpeg-lossless-decoder-js.
const { NativeCodecs, Context } = dcmjsCodecs;
let ready: Promise<void> | undefined;

function init(): Promise<void> {
  ready ??= NativeCodecs.initializeAsync({
    webAssemblyModulePathOrUrl: createRequire(import.meta.url).resolve(
      'dcmjs-codecs/build/dcmjs-native-codecs.wasm',
    ),
  }).catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  return ready;
}

export async function decodeIjg(encoded: Uint8Array): Promise<CodecFrame> {
  const sof = readSof(encoded);
  if (!sof) throw new Error('JPEG frame header not found');
  // IJG fills a cut stream's missing rows with a warning only, never an error.
  requireEndMarker(encoded);
  await init();
  const ctx = new Context({
    width: sof.width,
    height: sof.height,
    bitsAllocated: sof.precision > 8 ? 16 : 8,
    bitsStored: sof.precision,
    samplesPerPixel: sof.components,
    pixelRepresentation: 0,
    planarConfiguration: 0,
    photometricInterpretation: sof.components === 3 ? 'RGB' : 'MONOCHROME2',
    encodedBuffer: encoded,
  });
  let decoded: Uint8Array | undefined;
  try {
    decoded = NativeCodecs.decodeJpeg(ctx, {}).getDecodedBuffer();
  } catch (err) {
    // A failed decode can leave the module's state corrupt (fuzzing found a later call that never
    // returned): start from a fresh instance next time.
    NativeCodecs.release();
    ready = undefined;
    throw err;
  }
  const n = sof.width * sof.height * sof.components;
  const bytes = sof.precision > 8 ? 2 : 1;
  if (!decoded || decoded.length < n * bytes) throw new Error('JPEG decoder returned too few samples');
  const copy = decoded.slice(0, n * bytes);
  const samples = bytes === 2 ? new Uint16Array(copy.buffer) : copy;
  return {
    samples,
    width: sof.width,
    height: sof.height,
    components: sof.components,
    rgb: sof.components === 3,
  };
}
