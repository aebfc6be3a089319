import { describe, expect, it } from 'vitest';
import { readPcap, tcpStreams } from './pcap.js';

/** A pcap file (little-endian, microseconds, Ethernet) of the given frames. */
function pcap(frames: Buffer[]): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const recs = frames.map((f) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    return Buffer.concat([h, f]);
  });
  return Buffer.concat([head, ...recs]);
}

function tcpFrame(
  src: number[],
  dst: number[],
  sport: number,
  dport: number,
  seq: number,
  data: string,
  flags = 0x18,
): Buffer {
  const payload = Buffer.from(data);
  const eth = Buffer.alloc(14);
  eth.writeUInt16BE(0x0800, 12);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[9] = 6;
  ip.set(src, 12);
  ip.set(dst, 16);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(sport, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp.writeUInt32BE(seq, 4);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  return Buffer.concat([eth, ip, tcp, payload]);
}

describe('pcap reader', () => {
  it('reads IPv4/TCP addresses, ports, payloads and reassembles streams (out of order, retransmitted, wrapping seq)', () => {
    const a = [10, 203, 1, 1];
    const b = [10, 203, 1, 2];
    const base = 2 ** 32 - 3;
    const frames = [
      tcpFrame(a, b, 40000, 18080, base, '', 0x02),
      tcpFrame(a, b, 40000, 18080, (base + 6) % 2 ** 32, 'world'),
      tcpFrame(a, b, 40000, 18080, base, 'hello '),
      tcpFrame(a, b, 40000, 18080, base, 'hello '),
      tcpFrame(b, a, 18080, 40000, 7, 'HTTP/1.1 200'),
    ];
    const packets = readPcap(pcap(frames));
    expect(packets).toHaveLength(5);
    expect(packets[0]).toMatchObject({
      etherType: 0x0800,
      src: '10.203.1.1',
      dst: '10.203.1.2',
      protocol: 6,
      sport: 40000,
      dport: 18080,
      flags: 0x02,
    });
    const streams = tcpStreams(packets);
    expect(streams.get('10.203.1.1:40000>10.203.1.2:18080')?.toString()).toBe('hello world');
    expect(streams.get('10.203.1.2:18080>10.203.1.1:40000')?.toString()).toBe('HTTP/1.1 200');
  });

  it('reports non-IPv4 frames by EtherType, tolerates a cut last record, refuses non-pcap', () => {
    const arp = Buffer.alloc(42);
    arp.writeUInt16BE(0x0806, 12);
    const file = pcap([arp, tcpFrame([1, 1, 1, 1], [2, 2, 2, 2], 1, 2, 0, 'x')]);
    const packets = readPcap(file.subarray(0, file.length - 3));
    expect(packets.map((p) => p.etherType)).toEqual([0x0806]);
    expect(() => readPcap(Buffer.from('0a0d0d0a000000000000000000000000000000000000000000', 'hex'))).toThrow(
      /pcap/,
    );
  });
});
