/**
 * A drawing tool of the Review screen, as one object: what the palette shows, the key that picks it,
 * its line in the `?` help, what a press of the left button on the image does and the edit it saves.
 * The viewer, the palette, the key map and the help all read the registry (./index.ts), so a new tool
 * is one new object there. No DOM types: unit tests type-check these files as Node code.
 */
import type { IntensityGate, MaskGrid, Rect } from '../../viewer/brush.js';

/** A position in image pixels (fractional: the pointer lies between pixel centres). */
export interface Point {
  x: number;
  y: number;
}

/** What a tool works on while the button is down. Read when used: the brush size can change mid-stroke. */
export interface ToolContext {
  /** The mask under correction (0/255), which stroke tools paint in place. */
  readonly mask: MaskGrid;
  /** The brush radius, in image pixels. */
  readonly radius: number;
  /** The threshold-gated brush's intensity range over the image's samples; undefined paints everywhere. */
  readonly gate: IntensityGate | undefined;
  /** These pixels of the mask changed in place: the viewer redraws them at once. */
  changed(rect: Rect): void;
}

/** One undo step to save, named `name` in the edit history, with the parameters the history records. */
export interface ToolEdit {
  name: string;
  params: Record<string, unknown>;
  /** The new mask from the current one; absent when the tool already painted the mask in place. */
  apply?: (mask: Uint8Array, rows: number, cols: number) => Uint8Array;
}

/** A press, drag and release of the left button. */
export interface Gesture {
  /** The pointer moved to `at`; `path` is every position it passed since the last call, ending at `at`. */
  move(at: Point, path: readonly Point[]): void;
  /** The outline drawn so far, which the viewer shows while the gesture lasts. */
  outline?(): readonly Point[];
  /** The button was released: the edit to save, or null when the gesture changed nothing. */
  end(): ToolEdit | null;
}

/** What pressing the button does: start a gesture that follows the pointer, or make an edit at once. */
export type Press = { gesture: Gesture } | { edit: ToolEdit };

export interface ReviewTool<Id extends string = string> {
  /** The tool's name: the palette button's test id (`tool-<id>`) and the store's choice. */
  id: Id;
  /** The palette button's text. */
  label: string;
  /** The palette button's tooltip, before its key. */
  title: string;
  /** The key (KeyboardEvent.key, lower case) that picks the tool. */
  key: string;
  /** The tool's line in the keyboard-shortcut help. */
  help: string;
  /** The palette row it sits in: strokes (brush, eraser) above area tools (lasso, fill). */
  row: 'stroke' | 'area';
  /** The colour of its marks over the image: the brush's disc, the lasso's outline. */
  color: string;
  /** Whether the pointer shows the brush's disc (radius) over the image. */
  showsBrush: boolean;
  press(at: Point, ctx: ToolContext): Press;
}
