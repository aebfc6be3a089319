import type { Sniffer } from '../../sniffer.js';

/**
 * Does `head` read as the start of a pickle? Protocol 2+ pickles announce themselves with PROTO; protocol 0/1
 * pickles are plain bytes, so they are probed by a bounded symbolic run of the opcodes in `head`.
 * (Initial version: PROTO header or a protocol-0 GLOBAL/INST line. The pickle VM replaces this with a full probe.)
 */
export function probePickle(head: Uint8Array, _complete: boolean): boolean {
  if (head.length >= 2 && head[0] === 0x80 && head[1]! <= 5) return true;
  if (head.length >= 4 && (head[0] === 0x63 || head[0] === 0x69)) {
    const nl = head.indexOf(0x0a);
    return nl > 1 && nl < 256 && head.indexOf(0x0a, nl + 1) > nl + 1;
  }
  return false;
}

export const pickleSniffer: Sniffer = { format: 'pickle', test: probePickle };
