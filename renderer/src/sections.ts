/** The workstation's sections, in the order of the method: data -> teachers -> review -> train -> evaluate -> export. */
export interface Section {
  id: 'projects' | 'data' | 'teachers' | 'review' | 'train' | 'evaluate' | 'export';
  title: string;
  /** Single-key shortcut (with Alt) shown in the navigation. */
  key: string;
}

export const SECTIONS: Section[] = [
  { id: 'projects', title: 'Projects', key: '1' },
  { id: 'data', title: 'Data', key: '2' },
  { id: 'teachers', title: 'Teachers', key: '3' },
  { id: 'review', title: 'Review', key: '4' },
  { id: 'train', title: 'Train', key: '5' },
  { id: 'evaluate', title: 'Evaluate', key: '6' },
  { id: 'export', title: 'Export', key: '7' },
];
