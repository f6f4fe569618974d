/** Keyboard shortcuts, listed once for the help overlay (?) and kept next to the handlers' keys. */
export interface ShortcutGroup {
  title: string;
  keys: [string, string][];
}

export const REVIEW_SHORTCUTS: ShortcutGroup[] = [
  {
    title: 'Decide',
    keys: [
      ['A', 'accept'],
      ['R', 'reject'],
      ['F', 'flag / unflag'],
      ['X', 'exclude from training'],
      ['U', 'back to unreviewed'],
      ['N, ↓ or Page Down', 'next image (next slice of a stack)'],
      ['P, ↑ or Page Up', 'previous image (previous slice)'],
    ],
  },
  {
    title: 'Draw',
    keys: [
      ['B', 'brush'],
      ['E', 'eraser'],
      ['L', 'lasso: fill the outline drawn'],
      ['K', 'lasso cut: erase the outline drawn'],
      ['I', 'flood fill the region clicked'],
      ['[ and ]', 'smaller / larger brush'],
      ['Ctrl+Z', 'undo (one stroke)'],
      ['Ctrl+Shift+Z or Ctrl+Y', 'redo'],
    ],
  },
  {
    title: 'View',
    keys: [
      ['wheel', 'zoom at the pointer'],
      ['middle drag or Space+drag', 'pan'],
      ['right drag', 'window / level'],
      ['0', 'fit'],
      ['1', 'one image pixel per screen pixel'],
      ['W', 'automatic window'],
      ['M', 'show / hide the mask'],
      ['G', 'show / hide ground truth'],
      ['D', 'show / hide where the teachers disagree'],
      ['?', 'this help'],
    ],
  },
  { title: 'Anywhere', keys: [['Alt+1 … Alt+8', 'go to a section']] },
];
