/** Longest name (key, tensor name, class reference) quoted in a finding or issue. */
export const MAX_QUOTED_NAME = 96;

/**
 * A name from a scanned file, made safe to quote in a message: control characters replaced, length capped.
 * Only names (keys, tensor names, class references) are ever quoted, never values or content.
 */
export function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
  return JSON.stringify(clean.length > MAX_QUOTED_NAME ? `${clean.slice(0, MAX_QUOTED_NAME)}...` : clean);
}
