/**
 * String bounding for evidence fields. Lengths count Unicode code points, as JSON Schema `maxLength` does.
 * Control characters are replaced so a crafted member name cannot break log lines or CSV rows.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function boundText(value: string, max: number): string {
  const clean = value.replace(CONTROL, '?');
  const points = Array.from(clean);
  if (points.length <= max) return clean;
  return points.slice(0, max - 1).join('') + '…';
}

const ID_BAD = /[^A-Za-z0-9._:/@+-]/g;

/** An identifier (rule id, format, code): restricted alphabet, bounded, never empty. */
export function boundId(value: string, max: number): string {
  const v = boundText(value, max).replace(ID_BAD, '_');
  return v.length > 0 ? v : '_';
}

const HEX64 = /^[0-9a-f]{64}$/;

export function isSha256Hex(v: unknown): v is string {
  return typeof v === 'string' && HEX64.test(v);
}
