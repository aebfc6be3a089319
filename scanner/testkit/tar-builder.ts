/**
 * tar writer for tests: ustar headers, GNU long names (L/K), pax headers, links, special files, and the
 * legacy PyTorch tar layout. Never used to read archives.
 */
const enc = new TextEncoder();

export interface TarMember {
  name: string;
  data?: Uint8Array | string;
  /** Type flag: '0' file (default), '1' hard link, '2' symlink, '3'/'4' devices, '5' dir, '6' FIFO, 'S' sparse. */
  type?: string;
  linkname?: string;
  /** Pax records written in an 'x' header before this member. */
  pax?: Record<string, string>;
  /** Write the name through a GNU 'L' long-name header (also used automatically above 100 bytes). */
  gnuLongName?: boolean;
  /** Write a wrong header checksum. */
  badChecksum?: boolean;
}

function octal(v: number, width: number): string {
  return v.toString(8).padStart(width - 1, '0') + '\0';
}

export function tarHeader(
  name: string,
  size: number,
  type: string,
  linkname = '',
  badChecksum = false,
): Uint8Array {
  const h = new Uint8Array(512);
  const put = (s: string, at: number, len: number) => h.set(enc.encode(s).subarray(0, len), at);
  put(name, 0, 100);
  put(octal(0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  put(octal(size, 12), 124, 12);
  put(octal(0, 12), 136, 12);
  put('        ', 148, 8);
  put(type, 156, 1);
  put(linkname, 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  let sum = 0;
  for (const b of h) sum += b;
  put(octal(badChecksum ? sum + 1 : sum, 7) + ' ', 148, 8);
  return h;
}

function block(data: Uint8Array): Uint8Array {
  const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
  padded.set(data);
  return padded;
}

function paxBody(records: Record<string, string>): Uint8Array {
  let out = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = rest.length + 1;
    while (String(len).length + rest.length !== len) len = String(len).length + rest.length;
    out += `${len}${rest}`;
  }
  return enc.encode(out);
}

export function buildTar(
  members: TarMember[],
  opts: { end?: boolean; trailing?: Uint8Array } = {},
): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const m of members) {
    const data =
      m.data === undefined ? new Uint8Array(0) : typeof m.data === 'string' ? enc.encode(m.data) : m.data;
    const type = m.type ?? '0';
    if (m.pax) {
      const body = paxBody(m.pax);
      parts.push(tarHeader('PaxHeader', body.length, 'x'), block(body));
    }
    let name = m.name;
    if (m.gnuLongName || enc.encode(name).length > 100) {
      const body = enc.encode(`${name}\0`);
      parts.push(tarHeader('././@LongLink', body.length, 'L'), block(body));
      name = name.slice(0, 99);
    }
    const carries = type === '0' || type === 'S';
    parts.push(
      tarHeader(name, carries ? data.length : 0, type, m.linkname ?? '', m.badChecksum),
      carries ? block(data) : new Uint8Array(0),
    );
  }
  if (opts.end !== false) parts.push(new Uint8Array(1024));
  if (opts.trailing) parts.push(opts.trailing);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
