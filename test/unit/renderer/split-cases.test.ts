// The Data screen warns before "Assign splits" when (nearly) every image is a case of its own, since
// one patient's images may then land in train and test.
import { describe, expect, it } from 'vitest';
import { loneCases } from '../../../renderer/src/split-cases.js';

/**
 * A dataset whose images have these cases, summarised as listDatasets does (the count itself is the
 * service's, tested in test/unit/services/lone-images.test.ts): no case, or the only image of its case.
 */
function withCases(...cases: (string | null)[]): { imageCount: number; loneImages: number } {
  const per = new Map<string, number>();
  for (const c of cases) if (c !== null) per.set(c, (per.get(c) ?? 0) + 1);
  const lone = cases.filter((c) => c === null || per.get(c) === 1).length;
  return { imageCount: cases.length, loneImages: lone };
}

describe('loneCases', () => {
  it('flags a dataset where every image is its own case, as a PNG import without a manifest gives', () => {
    expect(loneCases(withCases('/d/bus_0012-l.png', '/d/bus_0012-r.png', '/d/bus_0013-s.png'))).toEqual({
      lone: 3,
      images: 3,
    });
  });

  it('counts an image without a case as alone', () => {
    expect(loneCases(withCases(null, null, null, null, null))).toEqual({ lone: 5, images: 5 });
  });

  it('flags a large share of lone images, not a dataset whose cases mostly group images', () => {
    // 8 of 10 alone: flagged; 6 of 10 alone: cases are known for a good part, no warning.
    const eight = withCases('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'p', 'p');
    expect(loneCases(eight)).toEqual({ lone: 8, images: 10 });
    const six = withCases('a', 'b', 'c', 'd', 'e', 'f', 'p', 'p', 'q', 'q');
    expect(loneCases(six)).toBeNull();
  });

  it('says nothing when a manifest grouped the images by patient', () => {
    expect(loneCases(withCases('12', '12', '13', '13', '14', '14'))).toBeNull();
  });

  it('says nothing for fewer than two images, where no patient can straddle splits', () => {
    expect(loneCases(withCases())).toBeNull();
    expect(loneCases(withCases('a'))).toBeNull();
  });
});
