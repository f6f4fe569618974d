/**
 * Tools that paint along the pointer's path with the brush's disc: the brush writes the mask's foreground
 * (only on the gated intensities when the gate is on), the eraser clears. The mask is painted in place
 * and redrawn per touched rectangle, so a stroke follows the pointer; the stroke is one undo step.
 */
import { paintSegment, unionRect, type Rect } from '../../viewer/brush.js';
import { grow } from '../../viewer/overlay.js';
import type { Gesture, Point, ReviewTool, ToolContext } from './tool.js';

interface StrokeToolSpec<Id extends string> extends Omit<ReviewTool<Id>, 'press' | 'showsBrush'> {
  /** The mask value painted: 255 (foreground) or 0. */
  value: number;
  /** Whether the threshold gate limits where it paints. */
  gated: boolean;
}

function strokeTool<const Id extends string>(spec: StrokeToolSpec<Id>): ReviewTool<Id> {
  const { value, gated, ...tool } = spec;
  return {
    ...tool,
    showsBrush: true,
    press(at: Point, ctx: ToolContext) {
      let last = at;
      let points = 0;
      /** The touched pixels grown by their outline: the stroke's recorded bounds. */
      let dirty: Rect | null = null;
      const paintTo = (p: Point): void => {
        const { mask } = ctx;
        const rect = paintSegment(
          mask,
          last.x,
          last.y,
          p.x,
          p.y,
          ctx.radius,
          value,
          gated ? ctx.gate : undefined,
        );
        last = p;
        points++;
        if (rect) {
          const g = grow(rect, mask.cols, mask.rows);
          dirty = unionRect(dirty, g);
          ctx.changed(g);
        }
      };
      paintTo(at);
      const gesture: Gesture = {
        move: (_at, path) => path.forEach(paintTo),
        end: () => (dirty ? { name: spec.id, params: { radius: ctx.radius, points, bounds: dirty } } : null),
      };
      return { gesture };
    },
  };
}

export const brush = strokeTool({
  id: 'brush',
  label: 'Brush',
  title: 'Brush',
  key: 'b',
  help: 'brush',
  row: 'stroke',
  color: 'rgba(255,196,0,0.9)',
  value: 255,
  gated: true,
});

export const eraser = strokeTool({
  id: 'eraser',
  label: 'Eraser',
  title: 'Eraser',
  key: 'e',
  help: 'eraser',
  row: 'stroke',
  color: 'rgba(255,255,255,0.9)',
  value: 0,
  gated: false,
});
