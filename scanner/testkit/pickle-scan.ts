/** Test helpers: run the pickle VM with a recorder, or the whole pipeline on pickle bytes. */
import { ScanStop } from '../errors.js';
import { DEFAULT_LIMITS, type Limits } from '../limits.js';
import { scanBytes, type ScanOptions } from '../pipeline.js';
import type { ArtifactResult } from '../result.js';
import type { GlobalV, Value } from '../detectors/pickle/values.js';
import type { CallOp, VmEvents } from '../detectors/pickle/vm-events.js';
import { PickleVM } from '../detectors/pickle/vm.js';

export interface Recorded {
  globals: string[];
  calls: { op: CallOp; callee: Value; offset: number; args: Value }[];
  persids: Value[];
  exts: number[];
  stops: number;
  result: Value;
  error?: ScanStop;
  vm: PickleVM;
}

/** Run the bare VM over `bytes` in chunks of `chunk`, recording every event; a ScanStop is captured, not thrown. */
export function runVm(bytes: Uint8Array, chunk = bytes.length || 1, limits: Partial<Limits> = {}): Recorded {
  const rec: Omit<Recorded, 'vm'> = { globals: [], calls: [], persids: [], exts: [], stops: 0, result: null };
  const events: VmEvents = {
    onGlobal: (g: GlobalV) => rec.globals.push(g.display),
    onCall: (op, callee, offset, args) => rec.calls.push({ op, callee, offset, args }),
    onPersid: (_op, pid) => rec.persids.push(pid),
    onExt: (_op, code) => rec.exts.push(code),
    onBuild: () => {},
    onStop: () => rec.stops++,
  };
  const vm = new PickleVM({ ...DEFAULT_LIMITS, ...limits }, events);
  try {
    for (let i = 0; i < bytes.length && !vm.stopped; i += chunk) vm.write(bytes.subarray(i, i + chunk));
    vm.end();
  } catch (err) {
    if (!(err instanceof ScanStop)) throw err;
    rec.error = err;
  }
  rec.result = vm.result;
  return { ...rec, vm };
}

/** Scan pickle bytes through the real pipeline (sniffing included). */
export function scanPickle(bytes: Uint8Array, options: ScanOptions = {}, chunk?: number): Promise<ArtifactResult> {
  return scanBytes(bytes, 'test.pkl', options, chunk);
}

/** `ruleId callable` of every finding, for compact assertions. */
export function findingKeys(r: ArtifactResult): string[] {
  return r.findings.map((f) => `${f.ruleId} ${f.callable ?? ''}`.trim());
}

/** Latin-1 string to bytes (pickle text written in tests). */
export function b(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
