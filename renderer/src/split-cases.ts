// Splits keep a case (patient) together, but only cases that are known: an image imported without a
// manifest naming its case (a PNG, a JPEG, a DICOM without a patient) is a case of its own. When most
// images of a dataset are alone in their case, two images of one patient may be split into train and
// test, and the Data screen says so next to "Assign splits".

/** From this share of images alone in their case, the dataset is taken to have no case grouping. */
export const LONE_CASE_WARNING_SHARE = 0.8;

export interface LoneCases {
  /** Images whose case holds no other image (an image without a case counts as alone). */
  lone: number;
  images: number;
}

/** How many of a dataset's images are alone in their case, or null when too few are (or fewer than two images). */
export function loneCases(d: { imageCount: number; loneImages: number }): LoneCases | null {
  if (d.imageCount < 2) return null;
  return d.loneImages / d.imageCount >= LONE_CASE_WARNING_SHARE
    ? { lone: d.loneImages, images: d.imageCount }
    : null;
}
