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

/** How many of `images` are alone in their case, or null when too few of them are (or fewer than two). */
export function loneCases(images: readonly { caseId: string | null }[]): LoneCases | null {
  if (images.length < 2) return null;
  const perCase = new Map<string, number>();
  for (const { caseId } of images) if (caseId !== null) perCase.set(caseId, (perCase.get(caseId) ?? 0) + 1);
  const lone = images.filter((i) => i.caseId === null || perCase.get(i.caseId) === 1).length;
  return lone / images.length >= LONE_CASE_WARNING_SHARE ? { lone, images: images.length } : null;
}
