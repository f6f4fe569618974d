/**
 * The workstation's sections, in the order of the method: data -> teachers -> review -> train -> evaluate
 * -> export; Transfer runs the whole method on folders in one go.
 */
export interface Section {
  id: 'projects' | 'data' | 'teachers' | 'review' | 'train' | 'transfer' | 'evaluate' | 'export';
  title: string;
  /** Single-key shortcut (with Alt) shown in the navigation. */
  key: string;
  /** Works without an open project (the navigation does not dim it). */
  standalone?: boolean;
}

export const SECTIONS: Section[] = [
  { id: 'projects', title: 'Projects', key: '1', standalone: true },
  { id: 'data', title: 'Data', key: '2' },
  { id: 'teachers', title: 'Teachers', key: '3' },
  { id: 'review', title: 'Review', key: '4' },
  { id: 'train', title: 'Train', key: '5' },
  { id: 'transfer', title: 'Transfer', key: '6', standalone: true },
  { id: 'evaluate', title: 'Evaluate', key: '7' },
  { id: 'export', title: 'Export', key: '8' },
];
