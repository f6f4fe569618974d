/**
 * How the reviewer works, kept across images and projects: the drawing tool and brush size, the
 * threshold gate, and which layers show over the image.
 */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { toolById, type ToolId } from '../../review/tools';

export const MIN_RADIUS = 1;
export const MAX_RADIUS = 128;

export const useReviewSettingsStore = defineStore('review-settings', () => {
  const toolId = ref<ToolId>('brush');
  /** The chosen tool's object (review/tools): what the viewer's left button does. */
  const tool = computed(() => toolById(toolId.value));
  const radius = ref(8);
  const showGroundTruth = ref(true);
  const showMask = ref(true);
  /** Teachers whose outlines are hidden (by id); all are shown by default. */
  const hiddenTeachers = ref<Set<number>>(new Set());
  const showDisagreement = ref(false);
  /** The threshold-gated brush: paint only within this intensity range (null = everywhere). */
  const gate = ref<{ min: number; max: number } | null>(null);

  function setRadius(r: number): void {
    radius.value = Math.min(MAX_RADIUS, Math.max(MIN_RADIUS, Math.round(r)));
  }

  function toggleTeacher(id: number): void {
    const s = new Set(hiddenTeachers.value);
    if (s.has(id)) s.delete(id);
    else s.add(id);
    hiddenTeachers.value = s;
  }

  return {
    toolId,
    tool,
    radius,
    showGroundTruth,
    showMask,
    hiddenTeachers,
    showDisagreement,
    gate,
    setRadius,
    toggleTeacher,
  };
});
