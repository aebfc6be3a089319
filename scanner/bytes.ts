/** Join byte chunks held back by a sink into one array (returns the only chunk as is). */
export function concatBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  if (parts.length === 1 && parts[0]!.length === length) return parts[0]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p.subarray(0, Math.min(p.length, length - at)), at);
    at += p.length;
    if (at >= length) break;
  }
  return out;
}
