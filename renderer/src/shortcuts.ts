/**
 * Keyboard shortcuts: the Review screen's single keys (its commands here, its tools from the tool
 * registry) and the help overlay (?) listing them. Relative `.js` imports: unit tests read it in Node.
 */
import { REVIEW_TOOLS } from './review/tools/index.js';

export interface ShortcutGroup {
  title: string;
  keys: [string, string][];
}

/** Review's commands by the keys (KeyboardEvent.key) that run them, without Ctrl, Alt or Meta. */
export const REVIEW_COMMAND_KEYS = {
  accept: ['a'],
  reject: ['r'],
  exclude: ['x'],
  unreview: ['u'],
  flag: ['f'],
  smallerBrush: ['['],
  largerBrush: [']'],
  toggleGroundTruth: ['g'],
  toggleMask: ['m'],
  toggleDisagreement: ['d'],
  next: ['n', 'ArrowDown', 'PageDown'],
  previous: ['p', 'ArrowUp', 'PageUp'],
  fit: ['0'],
  oneToOne: ['1'],
  autoWindow: ['w'],
  help: ['?'],
} as const satisfies Record<string, readonly string[]>;

export type ReviewCommand = keyof typeof REVIEW_COMMAND_KEYS;

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
      ...REVIEW_TOOLS.map((t): [string, string] => [t.key.toUpperCase(), t.help]),
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
