/**
 * A minimal reader for the classic pcap files tcpdump writes (`-w`), enough to check a capture: Ethernet frames,
 * IPv4 with TCP/UDP ports and payloads, ARP, anything else reported by its EtherType. Hand-written because no
 * dependency of this repo reads pcap and the format is a 24-byte header plus 16-byte record headers.
 */

export interface Packet {
  /** Index in the file, from 0. */
  index: number;
  /** 0x0800 IPv4, 0x0806 ARP, 0x86dd IPv6, ... (-1 for a link type other than Ethernet). */
  etherType: number;
  src?: string;
  dst?: string;
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP). */
  protocol?: number;
  sport?: number;
  dport?: number;
  /** TCP sequence number and flags. */
  seq?: number;
  flags?: number;
  /** Transport payload (TCP/UDP data), empty when none. */
  payload: Buffer;
  /** The whole captured frame. */
  frame: Buffer;
}

const LINKTYPE_ETHERNET = 1;
export const TCP_SYN = 0x02;

function ipv4(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

function parseFrame(index: number, frame: Buffer, linkType: number): Packet {
  const p: Packet = { index, etherType: -1, payload: Buffer.alloc(0), frame };
  if (linkType !== LINKTYPE_ETHERNET || frame.length < 14) return p;
  let at = 12;
  let type = frame.readUInt16BE(at);
  while (type === 0x8100 && frame.length >= at + 6) {
    at += 4;
    type = frame.readUInt16BE(at);
  }
  p.etherType = type;
  const ip = at + 2;
  if (type !== 0x0800 || frame.length < ip + 20) return p;
  const ihl = (frame[ip]! & 0x0f) * 4;
  const total = frame.readUInt16BE(ip + 2);
  const end = Math.min(frame.length, ip + total);
  p.protocol = frame[ip + 9]!;
  p.src = ipv4(frame, ip + 12);
  p.dst = ipv4(frame, ip + 16);
  const l4 = ip + ihl;
  if (p.protocol === 6 && end >= l4 + 20) {
    p.sport = frame.readUInt16BE(l4);
    p.dport = frame.readUInt16BE(l4 + 2);
    p.seq = frame.readUInt32BE(l4 + 4);
    p.flags = frame[l4 + 13]!;
    p.payload = frame.subarray(l4 + (frame[l4 + 12]! >> 4) * 4, end);
  } else if (p.protocol === 17 && end >= l4 + 8) {
    p.sport = frame.readUInt16BE(l4);
    p.dport = frame.readUInt16BE(l4 + 2);
    p.payload = frame.subarray(l4 + 8, end);
  }
  return p;
}

/** Every packet of a pcap file (microsecond or nanosecond timestamps, either byte order). */
export function readPcap(buf: Buffer): Packet[] {
  if (buf.length < 24) throw new Error('pcap: file shorter than its header');
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d)
    throw new Error('pcap: bad magic (pcapng is not supported)');
  const u32 = (at: number) => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const linkType = u32(20) & 0xffff;
  const out: Packet[] = [];
  for (let at = 24; at + 16 <= buf.length;) {
    const incl = u32(at + 8);
    if (at + 16 + incl > buf.length) break; // a record cut by the capture being stopped
    out.push(parseFrame(out.length, buf.subarray(at + 16, at + 16 + incl), linkType));
    at += 16 + incl;
  }
  return out;
}

/** TCP payload per direction (`src:sport>dst:dport`), in sequence order, retransmissions once. */
export function tcpStreams(packets: readonly Packet[]): Map<string, Buffer> {
  const segs = new Map<string, Map<number, Buffer>>();
  const first = new Map<string, number>();
  for (const p of packets) {
    if (p.protocol !== 6) continue;
    const key = `${p.src}:${p.sport}>${p.dst}:${p.dport}`;
    if ((p.flags! & TCP_SYN) !== 0 || !first.has(key)) first.set(key, p.seq!); // ordering starts at the SYN
    if (p.payload.length === 0) continue;
    let m = segs.get(key);
    if (!m) segs.set(key, (m = new Map()));
    if (!m.has(p.seq!) || m.get(p.seq!)!.length < p.payload.length) m.set(p.seq!, Buffer.from(p.payload));
  }
  const out = new Map<string, Buffer>();
  for (const [key, m] of segs) {
    const base = first.get(key)!;
    const sorted = [...m.entries()].sort((a, b) => ((a[0] - base) >>> 0) - ((b[0] - base) >>> 0)); // seq wraps at 2^32
    out.set(key, Buffer.concat(sorted.map((e) => e[1])));
  }
  return out;
}
