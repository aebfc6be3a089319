import { ScanStop } from '../../errors.js';
import { DEFAULT_LIMITS, type Limits } from '../../limits.js';
import type { Sniffer } from '../../sniffer.js';
import type { VmEvents } from './vm-events.js';
import { PickleVM } from './vm.js';

/** Records only whether the probed bytes import anything. */
class ProbeEvents implements VmEvents {
  imports = 0;
  onGlobal(): void {
    this.imports++;
  }
  onCall(): void {}
  onPersid(): void {}
  onExt(): void {}
  onBuild(): void {}
  onStop(): void {}
}

const PROBE_LIMITS: Readonly<Limits> = Object.freeze({
  ...DEFAULT_LIMITS,
  maxPickleStack: 10_000,
  maxPickleMemo: 100_000,
});

/**
 * Does `head` read as the start of a pickle? Protocol 2+ pickles announce themselves with PROTO; protocol 0/1
 * pickles are plain bytes, so they are probed by a bounded symbolic run of the opcodes in `head`, with nothing
 * reported: yes when the run reaches STOP, or when it consumes all of `head` with at least two opcodes and no error
 * — for a whole object that ends before STOP, only when it imported a global on the way (a truncated protocol-0
 * pickle `cposix\nsystem\n(V...` is a pickle cut short, to be reported inconclusive, not a text file). Text, JSON
 * and random bytes fail within a few bytes.
 */
export function probePickle(head: Uint8Array, complete: boolean): boolean {
  if (head.length >= 2 && head[0] === 0x80 && head[1]! <= 5) return true;
  if (head.length === 0) return false;
  const events = new ProbeEvents();
  const vm = new PickleVM(PROBE_LIMITS, events);
  try {
    vm.write(head);
  } catch (err) {
    if (err instanceof ScanStop) return false;
    return false;
  }
  if (vm.stopped) return true;
  return vm.opcodes >= 2 && (!complete || events.imports > 0);
}

export const pickleSniffer: Sniffer = { format: 'pickle', test: probePickle };
