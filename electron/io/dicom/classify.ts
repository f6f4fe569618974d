import type { DicomInfo } from './header.js';

export const SOP = {
  segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
  mediaDirectory: '1.2.840.10008.1.3.10',
} as const;

/** SOP class prefixes of objects that carry no image to segment, with what they are. */
const NON_IMAGE: [prefix: string, what: string][] = [
  ['1.2.840.10008.5.1.4.1.1.88.', 'a structured report (SR)'],
  ['1.2.840.10008.5.1.4.1.1.9.', 'a waveform (ECG or other signal)'],
  ['1.2.840.10008.5.1.4.1.1.481.3', 'an RT structure set'],
  ['1.2.840.10008.5.1.4.1.1.481.5', 'an RT plan'],
  ['1.2.840.10008.5.1.4.1.1.481.8', 'an RT ion plan'],
  ['1.2.840.10008.5.1.4.1.1.481.4', 'an RT treatment record'],
  ['1.2.840.10008.5.1.4.1.1.481.6', 'an RT treatment record'],
  ['1.2.840.10008.5.1.4.1.1.481.7', 'an RT treatment summary'],
  ['1.2.840.10008.5.1.4.1.1.481.9', 'an RT treatment record'],
  ['1.2.840.10008.5.1.4.1.1.11.', 'a presentation state'],
  ['1.2.840.10008.5.1.4.1.1.104.', 'an encapsulated document'],
  ['1.2.840.10008.5.1.4.1.1.66', 'a registration or fiducials object'],
  ['1.2.840.10008.5.1.4.1.1.67', 'a real-world value mapping'],
  ['1.2.840.10008.5.1.4.1.1.68', 'a surface or mesh'],
  [SOP.mediaDirectory, 'a DICOMDIR index (import its folder instead)'],
];

/**
 * Why this object cannot be imported as an image, or undefined when it can. A segmentation is an image
 * of labels: it is refused as an image and offered as a mask instead.
 */
export function isSegmentation(info: DicomInfo): boolean {
  return info.sopClassUid === SOP.segmentation || info.modality === 'SEG';
}

export function nonImageReason(info: DicomInfo): string | undefined {
  if (isSegmentation(info)) {
    return 'is a DICOM segmentation (SEG); import it as a mask of its source series';
  }
  const hit = NON_IMAGE.find(([prefix]) => info.sopClassUid.startsWith(prefix));
  if (hit) return `is ${hit[1]}, not an image`;
  if (!info.pixelTag) {
    const what = info.modality ? `${info.modality} object` : 'object';
    return `is a DICOM ${what} without pixel data`;
  }
  return undefined;
}
