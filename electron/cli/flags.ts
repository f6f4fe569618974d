/**
 * The command line's flag parsers, one module for every verb: numbers checked against their limits,
 * lists, required flags. A bad value is an AppError naming the flag (exit status 2, one line).
 */
import { AppError, ErrorCode } from '../../shared/errors.js';

/** The number a flag's text spells; NaN for blank text (Number('') would be 0). */
function numberOf(raw: string): number {
  return raw.trim() === '' ? NaN : Number(raw);
}

/** A numeric flag (`flag` without its dashes), checked; `fallback` when it is not given. */
export function num(
  raw: string | undefined,
  flag: string,
  fallback: number,
  /** `min`/`max` are inclusive bounds, `above` an exclusive lower bound (a learning rate > 0). */
  opts: { int?: boolean; min?: number; above?: number; max?: number } = {},
): number {
  if (raw === undefined) return fallback;
  const v = numberOf(raw);
  const ok =
    Number.isFinite(v) &&
    (!opts.int || Number.isInteger(v)) &&
    (opts.min === undefined || v >= opts.min) &&
    (opts.above === undefined || v > opts.above) &&
    (opts.max === undefined || v <= opts.max);
  if (!ok) {
    const bounds = [
      ...(opts.min !== undefined ? [`>= ${opts.min}`] : []),
      ...(opts.above !== undefined ? [`> ${opts.above}`] : []),
      ...(opts.max !== undefined ? [`<= ${opts.max}`] : []),
    ];
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `--${flag} must be ${opts.int ? 'an integer' : 'a number'}${bounds.length ? ` ${bounds.join(' and ')}` : ''}, got "${raw}"`,
    );
  }
  return v;
}

/** An optional integer flag of at least `min`: undefined when not given. */
export function int(raw: string | undefined, flag: string, min = 1): number | undefined {
  return raw === undefined ? undefined : num(raw, flag, 0, { int: true, min });
}

/** An optional non-negative number flag: undefined when not given. */
export function real(raw: string | undefined, flag: string): number | undefined {
  return raw === undefined ? undefined : num(raw, flag, 0, { min: 0 });
}

/** A whole number > 0 (`flag` as written, with its dashes). */
export function positiveInt(s: string, flag: string): number {
  const n = numberOf(s);
  if (!Number.isInteger(n) || n <= 0)
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${flag} must be a positive integer, got "${s}"`);
  return n;
}

/** A number in [0, 1) (`flag` as written, with its dashes). */
export function unitInterval(s: string, flag: string): number {
  const n = numberOf(s);
  if (!(n >= 0 && n < 1))
    throw new AppError(ErrorCode.INVALID_ARGUMENT, `${flag} must be in [0, 1), got "${s}"`);
  return n;
}

/** A number or a comma-separated list of numbers (`flag` as written, with its dashes). */
export function numberList(s: string, flag: string): number[] {
  const a = s.split(',').map(numberOf);
  if (a.length === 0 || a.some((x) => !Number.isFinite(x)))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `${flag} must be a number or a comma-separated list, got "${s}"`,
    );
  return a;
}

/** A flag whose value is one of `allowed` (`flag` without its dashes); `fallback` when not given. */
export function oneOf<T extends string>(
  raw: string | undefined,
  allowed: readonly T[],
  flag: string,
  fallback: T,
): T {
  const value = raw ?? fallback;
  if (!(allowed as readonly string[]).includes(value))
    throw new AppError(
      ErrorCode.INVALID_ARGUMENT,
      `--${flag} must be one of ${allowed.join(', ')}, got "${value}"`,
    );
  return value as T;
}

/** The value of a flag that must be given (`flag` without its dashes). */
export function requireFlag(v: string | undefined, flag: string): string {
  if (!v) throw new AppError(ErrorCode.INVALID_ARGUMENT, `--${flag} is required`);
  return v;
}
