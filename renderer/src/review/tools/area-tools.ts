/**
 * Tools that edit a region at once: the lasso fills the outline drawn, the lasso cut erases it, the flood
 * fill fills the background region clicked. Each saves the whole new mask as one undo step.
 */
import { fillPolygon, floodFill, FOREGROUND } from '../../../../shared/masks/edit-ops.js';
import type { Point, ReviewTool } from './tool.js';

interface LassoToolSpec<Id extends string> extends Omit<ReviewTool<Id>, 'press' | 'showsBrush'> {
  /** The mask value written inside the outline: 255 fills, 0 cuts. */
  value: number;
}

function lassoTool<const Id extends string>(spec: LassoToolSpec<Id>): ReviewTool<Id> {
  const { value, ...tool } = spec;
  return {
    ...tool,
    showsBrush: false,
    press(at: Point) {
      const points: Point[] = [at];
      return {
        gesture: {
          move: (p) => void points.push(p),
          outline: () => points,
          // Fewer than three points enclose nothing: a click with the lasso saves no step.
          end: () =>
            points.length >= 3
              ? {
                  name: spec.id,
                  params: { points: points.length },
                  apply: (m, rows, cols) => fillPolygon(m, rows, cols, points, value),
                }
              : null,
        },
      };
    },
  };
}

export const lasso = lassoTool({
  id: 'lasso',
  label: 'Lasso',
  title: 'Lasso fill',
  key: 'l',
  help: 'lasso: fill the outline drawn',
  row: 'area',
  color: 'rgba(255,196,0,0.95)',
  value: FOREGROUND,
});

export const lassoCut = lassoTool({
  id: 'lasso-cut',
  label: 'Cut',
  title: 'Lasso cut',
  key: 'k',
  help: 'lasso cut: erase the outline drawn',
  row: 'area',
  color: 'rgba(255,255,255,0.95)',
  value: 0,
});

export const fill: ReviewTool<'fill'> = {
  id: 'fill',
  label: 'Fill',
  title: 'Flood fill',
  key: 'i',
  help: 'flood fill the region clicked',
  row: 'area',
  color: 'rgba(255,196,0,0.95)',
  showsBrush: false,
  // The history has always named this edit 'flood-fill' (the tool's id is the palette's).
  press: (p) => ({
    edit: {
      name: 'flood-fill',
      params: { x: Math.floor(p.x), y: Math.floor(p.y) },
      apply: (m, rows, cols) => floodFill(m, rows, cols, p.x, p.y, FOREGROUND),
    },
  }),
};
