import { concatBytes } from '../../bytes.js';
import type { Detector, DetectorContext } from '../../detector.js';
import { ScanStop } from '../../errors.js';
import type { FormatId } from '../../format.js';
import type { RuleExtensions } from '../../rule-extensions.js';
import type { ByteSink } from '../../sink.js';
import { PickleAnalyzer } from './analyzer.js';
import { LegacyRecords, type RecordStep } from './legacy-records.js';
import { GlobalPolicy } from './policy.js';
import { probePickle } from './probe.js';
import { pickleRules } from './rules.js';
import { PickleVM } from './vm.js';

/** Bytes after a STOP looked at to decide whether another pickle follows. */
const PROBE_BYTES = 4096;
/** A legacy torch file is 5 pickles (magic, protocol, sys_info, the object, storage keys), then raw storages. */
const TORCH_LEGACY_PICKLES = 5;

const policies = new WeakMap<Readonly<RuleExtensions>, GlobalPolicy>();

function policyFor(ext: Readonly<RuleExtensions>): GlobalPolicy {
  let p = policies.get(ext);
  if (!p) policies.set(ext, (p = new GlobalPolicy(pickleRules(), ext)));
  return p;
}

type Mode = 'pickle' | 'raw' | 'after' | 'tail' | 'done';

/**
 * Reads one pickle object: every stacked pickle stream in it, then whatever follows the last STOP (legacy torch
 * storages as inert data; anything else as a trailing member, sniffed and scanned on its own).
 */
class PickleSink implements ByteSink {
  private readonly analyzer: PickleAnalyzer;
  private readonly vm: PickleVM;
  private mode: Mode = 'pickle';
  private streams = 0;
  private post: Uint8Array[] = [];
  private postLen = 0;
  private afterAt = 0;
  private tail: ByteSink | undefined;
  /** Record layout of a legacy torch tar's `storages` / `tensors` member (pickles interleaved with binary). */
  private readonly records: LegacyRecords | undefined;
  private header = new Uint8Array(8);
  private headerNeed = 0;
  private headerLen = 0;
  private rawSkip = 0;

  constructor(
    private readonly ctx: DetectorContext,
    private readonly format: FormatId,
  ) {
    this.analyzer = new PickleAnalyzer(ctx, policyFor(ctx.extensions));
    this.vm = new PickleVM(ctx.limits, this.analyzer, ctx.signal);
    this.analyzer.vm = this.vm;
    if (format === 'pytorch-legacy-storages') this.records = new LegacyRecords('storages');
    else if (format === 'pytorch-legacy-tensors') this.records = new LegacyRecords('tensors');
  }

  async write(chunk: Uint8Array): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.mode === 'pickle') {
        off += this.feed(chunk.subarray(off));
        if (this.vm.stopped) {
          this.streams++;
          this.mode = 'after';
          this.afterAt = this.vm.consumed;
          if (this.records) this.apply(this.records.afterPickle(this.vm.result, this.vm.consumed));
        }
        await this.drainNested();
      } else if (this.mode === 'raw') {
        off += this.skipRecordBytes(chunk.subarray(off));
      } else if (this.mode === 'after') {
        const take = Math.min(PROBE_BYTES - this.postLen, chunk.length - off);
        this.post.push(chunk.slice(off, off + take));
        this.postLen += take;
        off += take;
        if (this.postLen >= PROBE_BYTES) await this.decide(false);
      } else if (this.mode === 'tail') {
        await this.tail!.write(off === 0 ? chunk : chunk.subarray(off));
        return;
      } else return;
    }
  }

  /** Follow a record layout step: the next pickle, a binary header + raw bytes, or the end of the layout. */
  private apply(step: RecordStep): void {
    if (step.kind === 'pickle') {
      this.vm.reset();
      this.mode = 'pickle';
    } else if (step.kind === 'raw') {
      this.mode = 'raw';
      this.headerNeed = step.header;
      this.headerLen = 0;
      this.rawSkip = 0;
    } else this.mode = 'after';
  }

  /** Consume a record's binary header, then skip its raw bytes; returns how much of `bytes` was used. */
  private skipRecordBytes(bytes: Uint8Array): number {
    let used = 0;
    if (this.headerLen < this.headerNeed) {
      used = Math.min(this.headerNeed - this.headerLen, bytes.length);
      this.header.set(bytes.subarray(0, used), this.headerLen);
      this.headerLen += used;
      if (this.headerLen < this.headerNeed) return this.advance(used);
      this.rawSkip = this.records!.rawAfter(this.header.subarray(0, this.headerNeed), this.vm.consumed);
    }
    const skip = Math.min(this.rawSkip, bytes.length - used);
    this.rawSkip -= skip;
    used += skip;
    this.advance(used);
    if (this.rawSkip === 0) this.apply(this.records!.nextRecord());
    return used;
  }

  private advance(n: number): number {
    this.vm.consumed += n;
    return n;
  }

  async end(): Promise<void> {
    while (this.mode === 'after') await this.decide(true);
    if (this.mode === 'raw' || (this.records && !this.records.complete && this.mode !== 'tail'))
      throw new ScanStop(
        'TRUNCATED',
        `torch legacy ${this.records!.layout}: data ends inside the record layout`,
        this.vm.consumed,
      );
    if (this.mode === 'tail') await this.tail!.end();
    if (this.mode === 'pickle') {
      this.analyzer.flushImports();
      this.vm.end();
      throw new ScanStop('TRUNCATED', 'pickle: data ends before STOP', this.vm.consumed);
    }
    if (this.vm.frameShortfall)
      throw new ScanStop(
        'TRUNCATED',
        'pickle: FRAME declares more bytes than the stream has',
        this.vm.consumed,
      );
    const joblib = this.analyzer.joblibArrays > 0;
    const detail = `pickle: ${this.streams} stream${this.streams === 1 ? '' : 's'}, ${this.vm.opcodes} opcodes, ${this.analyzer.callCount} call sites${joblib ? `, ${this.analyzer.joblibArrays} joblib arrays` : ''}`;
    this.ctx.scanned(joblib ? 'joblib' : this.format, detail);
  }

  private feed(bytes: Uint8Array): number {
    try {
      return this.vm.write(bytes);
    } catch (err) {
      this.analyzer.flushImports();
      throw err;
    }
  }

  /** Scan byte arguments of nested deserializers (e.g. `pickle.loads(b'...')`) as pickles of their own. */
  private async drainNested(): Promise<void> {
    for (const n of this.analyzer.takeNested()) {
      const sink = this.ctx.openMember(`${n.offset}:nested`, { format: 'pickle' });
      await sink.write(n.data);
      await sink.end();
    }
  }

  /** What follows a STOP: another pickle, legacy torch storages, or trailing data. */
  private async decide(complete: boolean): Promise<void> {
    const head = concatBytes(this.post, this.postLen);
    this.post = [];
    this.postLen = 0;
    if (head.length === 0) {
      if (complete) this.mode = 'done';
      else this.mode = 'after';
      return;
    }
    if (this.format === 'pytorch-legacy' && this.streams >= TORCH_LEGACY_PICKLES) {
      this.tail = this.ctx.openMember('storages', { data: 'torch legacy tensor storages' });
    } else if (!this.records && probePickle(head, complete)) {
      this.vm.reset();
      this.mode = 'pickle';
      await this.write(head);
      return;
    } else {
      const rule = this.analyzer.rule('PICKLE-TRAILING-DATA');
      this.ctx.report({
        ruleId: rule.id,
        severity: rule.severity,
        message: `${rule.title}: ${this.streams} pickle stream${this.streams === 1 ? '' : 's'} then other content`,
        evidence: `non-pickle bytes after STOP at offset ${this.afterAt}`,
        why: rule.why,
        offset: this.afterAt,
      });
      this.tail = this.ctx.openMember(`@${this.afterAt}`);
    }
    this.mode = 'tail';
    await this.tail.write(head);
  }
}

/** Pickle streams (protocols 0-5) and legacy (non-zip) torch files. */
export const pickleDetector: Detector = {
  id: 'pickle',
  version: 1,
  formats: ['pickle', 'pytorch-legacy', 'pytorch-legacy-storages', 'pytorch-legacy-tensors'],
  create(ctx, format) {
    return new PickleSink(ctx, format);
  },
};
