/** Small display formats shared by the screens. */

/** A job's estimated time left, in words ("" when the job cannot tell). */
export function etaText(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  return seconds >= 90 ? `about ${Math.round(seconds / 60)} min left` : `about ${seconds} s left`;
}
