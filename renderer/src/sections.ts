/** The workstation's sections, in the order of the method: data -> teachers -> review -> train -> evaluate -> export. */
export interface Section {
  id: 'projects' | 'data' | 'teachers' | 'review' | 'train' | 'evaluate' | 'export';
  title: string;
  /** Single-key shortcut (with Alt) shown in the navigation. */
  key: string;
  purpose: string;
  /** Which project counts tell whether the section has anything to show yet. */
  counts: string[];
}

export const SECTIONS: Section[] = [
  { id: 'projects', title: 'Projects', key: '1', purpose: 'Create and open projects.', counts: [] },
  {
    id: 'data',
    title: 'Data',
    key: '2',
    purpose: 'The transferal set: imported DICOM, NIfTI and PNG/JPEG/TIFF images, their curation and splits.',
    counts: ['datasets', 'images'],
  },
  {
    id: 'teachers',
    title: 'Teachers',
    key: '3',
    purpose: 'Trained networks (ONNX, TF.js) or mask folders that label the transferal set.',
    counts: ['teachers'],
  },
  {
    id: 'review',
    title: 'Review',
    key: '4',
    purpose: 'Pseudo-labels, most uncertain first, to accept, correct or reject.',
    counts: ['images'],
  },
  {
    id: 'train',
    title: 'Train',
    key: '5',
    purpose: 'A student network of your choice, trained on the reviewed pseudo-labels.',
    counts: ['images'],
  },
  {
    id: 'evaluate',
    title: 'Evaluate',
    key: '6',
    purpose: 'Dice, IoU and HD95 of teachers, the fused label and the student against ground truth.',
    counts: ['images'],
  },
  {
    id: 'export',
    title: 'Export',
    key: '7',
    purpose: 'The trained student (TF.js, ONNX, model card), masks and reports as files.',
    counts: ['exports'],
  },
];
