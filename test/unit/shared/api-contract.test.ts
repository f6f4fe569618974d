import { describe, expect, it } from 'vitest';
import { API_METHODS, isApiMethod } from '../../../shared/api-methods.js';
import { apiArgSchemas, projectNameSchema } from '../../../shared/api-schema.js';
import { AppError, ErrorCode, isErrorPayload, toAppError } from '../../../shared/errors.js';

describe('the AppApi contract', () => {
  it('has one argument schema per method, and no schema without a method', () => {
    expect(Object.keys(apiArgSchemas).sort()).toEqual([...API_METHODS].sort());
  });

  it('recognises only its own method names', () => {
    expect(isApiMethod('getAppInfo')).toBe(true);
    for (const bad of ['constructor', '__proto__', 'toString', 'GETAPPINFO', 42, null, undefined]) {
      expect(isApiMethod(bad)).toBe(false);
    }
  });

  it('refuses unknown fields, wrong types and extra arguments', () => {
    expect(apiArgSchemas.openProject.safeParse([{ path: '/tmp/x' }]).success).toBe(true);
    expect(apiArgSchemas.openProject.safeParse([{ path: '/tmp/x', extra: 1 }]).success).toBe(false);
    expect(apiArgSchemas.openProject.safeParse([{ path: 42 }]).success).toBe(false);
    expect(apiArgSchemas.openProject.safeParse([{ path: '/tmp/x' }, 'more']).success).toBe(false);
    expect(apiArgSchemas.openProject.safeParse([{ path: 'a\0b' }]).success).toBe(false);
    expect(apiArgSchemas.openProject.safeParse([{ path: 'x'.repeat(5000) }]).success).toBe(false);
    expect(apiArgSchemas.getAppInfo.safeParse([]).success).toBe(true);
    expect(apiArgSchemas.getAppInfo.safeParse([1]).success).toBe(false);
    expect(apiArgSchemas.updateSettings.safeParse([{ overlayOpacity: 2 }]).success).toBe(false);
    expect(apiArgSchemas.updateSettings.safeParse([{ computeBackend: 'quantum' }]).success).toBe(false);
    expect(apiArgSchemas.updateSettings.safeParse([{ teacherProvider: 'gpu' }]).success).toBe(false);
    expect(apiArgSchemas.updateSettings.safeParse([{ teacherProvider: 'webgpu' }]).success).toBe(true);
    expect(apiArgSchemas.updateSettings.safeParse([{ overlayOpacity: 0.5 }]).success).toBe(true);
  });

  it.each(['', '   ', '.', '..', 'a/b', 'a\\b', 'x:y', 'tab\there', 'q?', 'x'.repeat(121)])(
    'refuses the project name %j',
    (name) => expect(projectNameSchema.safeParse(name).success).toBe(false),
  );

  it('maps system errors to codes a user can act on, and hides internals', () => {
    const enoent = Object.assign(new Error('x'), { code: 'ENOENT', path: '/nope' });
    expect(toAppError(enoent).code).toBe(ErrorCode.NOT_FOUND);
    expect(toAppError(Object.assign(new Error('x'), { code: 'ENOSPC' })).message).toMatch(/disk is full/);
    const internal = toAppError(new Error('secret stack detail'));
    expect(internal.code).toBe(ErrorCode.INTERNAL);
    expect(internal.message).not.toMatch(/secret/);
    const e = new AppError(ErrorCode.BAD_FILE, 'bad', { path: '/f' });
    expect(isErrorPayload(e.toPayload())).toBe(true);
    expect(AppError.fromPayload(e.toPayload())).toMatchObject({
      code: 'BAD_FILE',
      message: 'bad',
      detail: { path: '/f' },
    });
    expect(isErrorPayload({ code: 'NOPE', message: 'x' })).toBe(false);
  });
});
