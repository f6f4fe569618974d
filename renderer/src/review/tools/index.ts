/**
 * The Review screen's drawing tools, in palette order. The viewer, the palette, the key map and the
 * `?` help all read this list: adding a tool is adding its object here.
 */
import { fill, lasso, lassoCut } from './area-tools.js';
import { brush, eraser } from './stroke-tools.js';
import type { ReviewTool } from './tool.js';

export type { Gesture, Point, Press, ReviewTool, ToolContext, ToolEdit } from './tool.js';

export const REVIEW_TOOLS = [brush, eraser, lasso, lassoCut, fill] as const;

export type ToolId = (typeof REVIEW_TOOLS)[number]['id'];

export function toolById(id: ToolId): ReviewTool<ToolId> {
  return REVIEW_TOOLS.find((t) => t.id === id)!;
}

/** The tool a key picks, if any (`key` as KeyboardEvent.key gives it). */
export function toolForKey(key: string): ReviewTool<ToolId> | undefined {
  return REVIEW_TOOLS.find((t) => t.key === key);
}
