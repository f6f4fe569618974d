import { AppError, ErrorCode } from '../../shared/errors.js';

/**
 * Bounds checked before anything is allocated, so a corrupt or hostile header cannot make the process
 * allocate gigabytes. 1 GiB of decoded samples per file covers a 1000-frame 512x512 16-bit cine (500 MiB)
 * with room to spare; a single frame larger than 30000x30000 pixels is not a medical image we can show.
 */
export const LIMITS = {
  maxDecodedBytes: 1 << 30,
  maxFileBytes: 2 ** 31 - 1,
  maxDimension: 30_000,
  maxFrames: 20_000,
} as const;

export function badFile(path: string, problem: string, detail: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.BAD_FILE, `${path}: ${problem}`, { path, ...detail });
}

export function unsupported(path: string, problem: string, detail: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.UNSUPPORTED, `${path}: ${problem}`, { path, ...detail });
}

export function tooLarge(path: string, problem: string, detail: Record<string, unknown> = {}): AppError {
  return new AppError(ErrorCode.TOO_LARGE, `${path}: ${problem}`, { path, ...detail });
}

/** Refuses dimensions that are absurd or whose product would exceed the decode budget. */
export function checkDimensions(
  path: string,
  dims: { rows: number; cols: number; frames: number; samples: number; bytesPerSample: number },
): void {
  const { rows, cols, frames, samples, bytesPerSample } = dims;
  for (const [name, v] of [
    ['rows', rows],
    ['columns', cols],
    ['frames', frames],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw badFile(path, `invalid ${name} (${v})`, { [name]: v });
  }
  if (rows > LIMITS.maxDimension || cols > LIMITS.maxDimension) {
    throw tooLarge(
      path,
      `image of ${cols}x${rows} pixels exceeds the limit of ${LIMITS.maxDimension} per side`,
      {
        rows,
        cols,
      },
    );
  }
  if (frames > LIMITS.maxFrames) {
    throw tooLarge(path, `${frames} frames exceed the limit of ${LIMITS.maxFrames}`, { frames });
  }
  const bytes = rows * cols * frames * samples * bytesPerSample;
  if (bytes > LIMITS.maxDecodedBytes) {
    throw tooLarge(
      path,
      `decoded size ${(bytes / 2 ** 20).toFixed(0)} MiB exceeds the limit of ${LIMITS.maxDecodedBytes / 2 ** 20} MiB`,
      { rows, cols, frames, bytes },
    );
  }
}

/** Turns anything a third-party decoder throws (strings, numbers, wasm aborts) into a one-line message. */
export function describe(err: unknown): string {
  if (err instanceof AppError) return err.message;
  // dicom-parser throws strings, or objects { exception, dataSet } that must not be dumped whole.
  // A bare number is a C++ exception escaping a wasm codec.
  if (typeof err === 'number') return `decoder error ${err}`;
  const exception = (err as { exception?: unknown } | null)?.exception;
  const msg =
    err instanceof Error
      ? err.message
      : typeof err === 'string'
        ? err
        : typeof exception === 'string'
          ? exception
          : String(err);
  return (msg ?? 'unknown error').split('\n')[0]!.slice(0, 300);
}
