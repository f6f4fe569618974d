// The fusion flags of `infer` and `fuse`: the default method comes from the caller (auto with several
// teachers), --tta / --no-tta override the method's own choice, and the method list is shared/recipe.ts'.
import { describe, expect, it } from 'vitest';
import { FUSION_METHODS } from '../../../shared/recipe.js';
import { fusionFlags, ttaFlag } from '../../../electron/cli/commands/teacher-flags.js';

describe('fusion flags', () => {
  it('takes the default method from the caller and accepts every method of the recipe', () => {
    expect(fusionFlags(undefined, undefined, undefined, 'auto')).toEqual({ method: 'auto' });
    expect(fusionFlags(undefined, undefined, '0.3', 'mean')).toEqual({ method: 'mean', threshold: 0.3 });
    for (const m of FUSION_METHODS.filter((x) => x !== 'weighted'))
      expect(fusionFlags(m, undefined, undefined, 'mean').method).toBe(m);
    expect(() => fusionFlags('median', undefined, undefined, 'auto')).toThrow(/auto, mean, weighted/);
  });

  it('reads --tta and --no-tta, refusing both at once', () => {
    expect(ttaFlag(undefined, undefined)).toBeUndefined();
    expect(ttaFlag(true, undefined)).toBe(true);
    expect(ttaFlag(undefined, true)).toBe(false);
    expect(() => ttaFlag(true, true)).toThrow(/not both/);
  });
});
