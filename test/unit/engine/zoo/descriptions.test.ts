// The zoo's preset descriptions are shown to users (Train screen, `train --list-archs`): they say what
// the network is, never where a developer's reference file lives.
import { describe, expect, it } from 'vitest';
import { PRESETS } from '../../../../electron/engine/zoo/index.js';

describe('zoo preset descriptions', () => {
  it.each(Object.entries(PRESETS))('%s names no repository path', (_name, preset) => {
    expect(preset.description).not.toMatch(/\.\.\/|shared\/|bench|\.py\b/);
    expect(preset.description.length).toBeGreaterThan(10);
  });
});
