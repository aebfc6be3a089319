/** True when `head` holds `magic` at `offset`. */
export function startsWith(head: Uint8Array, magic: readonly number[] | Uint8Array, offset = 0): boolean {
  if (head.length < offset + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[offset + i] !== magic[i]) return false;
  return true;
}

export function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}
