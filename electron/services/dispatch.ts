/**
 * The single entry point both shells use to run a renderer request: check the method name, validate the
 * arguments against the contract's schema, call the service, and wrap the outcome in a Reply. Nothing
 * the renderer sends reaches a service unvalidated, no stack trace travels back, and nothing a caller
 * passes makes dispatch reject: the answer is always a Reply.
 */
import type { AppApi, Reply } from '../../shared/api.js';
import { isApiMethod } from '../../shared/api-methods.js';
import { apiArgSchemas, describeIssues } from '../../shared/api-schema.js';
import { AppError, ErrorCode, toAppError } from '../../shared/errors.js';
import type { Logger } from './logger.js';

export async function dispatch(
  api: AppApi,
  method: unknown,
  args: unknown,
  log: Logger,
): Promise<Reply<unknown>> {
  const name = isApiMethod(method) ? method : describeMethod(method);
  try {
    if (!isApiMethod(method)) throw new AppError(ErrorCode.INVALID_ARGUMENT, `Unknown method: ${name}`);
    if (!Array.isArray(args))
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `${method}: arguments must be a list`);
    const parsed = apiArgSchemas[method].safeParse(args);
    if (!parsed.success) {
      throw new AppError(ErrorCode.INVALID_ARGUMENT, `${method}: ${describeIssues(parsed.error)}`, {
        method,
      });
    }
    const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(api, parsed.data as unknown[]);
    return { ok: true, value: value === undefined ? null : value };
  } catch (err) {
    const e = toAppError(err);
    if (e.code === ErrorCode.INTERNAL) log.error(`Internal error in ${name}`, err);
    else log.debug(`${name} refused: ${e.message}`);
    return { ok: false, error: e.toPayload() };
  }
}

/**
 * A method name fit for a message or a log line, whatever the caller sent: never calls the value's own
 * toString/valueOf (a client controls those), never longer than 80 characters.
 */
export function describeMethod(method: unknown): string {
  if (typeof method === 'string') return JSON.stringify(method.slice(0, 80));
  if (method === null) return 'null';
  if (Array.isArray(method)) return 'a list';
  return `a ${typeof method}`;
}
