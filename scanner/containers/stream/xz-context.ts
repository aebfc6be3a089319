// xz-decompress is CommonJS: under Node's ESM loader only its default export is reliable.
import xzDecompress from 'xz-decompress';
import { ScanStop } from '../../errors.js';

const { XzReadableStream } = xzDecompress;

/** The WASM exports of xz-decompress 0.2.3 (xz-embedded): one decoder context per stream. */
interface XzExports {
  memory: { buffer: ArrayBuffer };
  create_context(): number;
  destroy_context(ptr: number): void;
  supply_input(ptr: number, length: number): void;
  get_next_output(ptr: number): number;
}

interface XzModuleHost {
  _moduleInstance?: { exports: XzExports };
  _getModuleInstance(): Promise<void>;
}

/** Frees the native context of a decoder dropped without close() (a scan stopped by a limit upstream). */
const leaked = new FinalizationRegistry<{ x: XzExports; ptr: number }>((held) =>
  held.x.destroy_context(held.ptr),
);

const XZ_OK = 0;
const XZ_STREAM_END = 1;
const XZ_ERRORS: Readonly<Record<number, string>> = {
  2: 'unsupported integrity check',
  3: 'out of memory',
  4: 'dictionary larger than the memory limit',
  5: 'not an xz stream',
  6: 'unsupported xz options',
  7: 'corrupt xz data',
  8: 'xz stream ends early',
};

/**
 * One xz-embedded decoder context (it reads concatenated streams and stream padding natively) from xz-decompress's WASM module, driven synchronously. The package's public
 * `XzReadableStream` serialises every xz stream in the process behind a mutex released only when a stream ends,
 * so a nested xz member, or a stream abandoned at a limit, would hang every later xz scan. This uses the same
 * module exports and context layout as the package's own (internal) XzContext class, version pinned:
 * ctx words [0]=buffer size, [1]=input buffer, [2]=input position, [3]=input size, [4]=output buffer, [5]=output position.
 */
export class XzDecoder {
  private ptr: number;
  private readonly bufSize: number;
  finished = false;

  private constructor(private readonly x: XzExports) {
    this.ptr = x.create_context();
    this.bufSize = this.words()[0]!;
    leaked.register(this, { x, ptr: this.ptr }, this);
  }

  static async create(): Promise<XzDecoder> {
    const host = XzReadableStream as unknown as XzModuleHost;
    if (!host._moduleInstance) await host._getModuleInstance();
    return new XzDecoder(host._moduleInstance!.exports);
  }

  /** Decode `input`, handing each output piece to `emit` (awaited, so memory stays bounded). */
  async write(input: Uint8Array, emit: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    for (let used = 0; used < input.length; used += this.bufSize) {
      const piece = input.subarray(used, used + this.bufSize);
      new Uint8Array(this.x.memory.buffer, this.words()[1]!, this.bufSize).set(piece);
      this.x.supply_input(this.ptr, piece.length);
      await this.run(emit);
    }
  }

  /** No more input (the native decoder treats empty input as the end): drain, and fail unless the streams ended. */
  async finish(emit: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    this.x.supply_input(this.ptr, 0);
    await this.run(emit);
    if (!this.finished) {
      this.close();
      throw new ScanStop('TRUNCATED', 'xz stream ends before its end marker');
    }
  }

  private async run(emit: (chunk: Uint8Array) => Promise<void>): Promise<void> {
    for (;;) {
      const status = this.x.get_next_output(this.ptr);
      const w = this.words();
      if (status !== XZ_OK && status !== XZ_STREAM_END) {
        this.close();
        throw new ScanStop(
          status === 8 ? 'TRUNCATED' : 'PARSE_ERROR',
          `xz: ${XZ_ERRORS[status] ?? `error ${status}`}`,
        );
      }
      const outLength = w[5]!;
      const out = new Uint8Array(this.x.memory.buffer, w[4]!, outLength).slice();
      w[5] = 0;
      const drained = w[2]! >= w[3]!;
      if (out.length > 0) await emit(out);
      if (status === XZ_STREAM_END) {
        this.finished = true;
        this.close();
        return;
      }
      // Stop once a call with all input consumed produced nothing (a second such call is a buffer error).
      if (outLength === 0 && drained) return;
    }
  }

  close(): void {
    if (this.ptr === 0) return;
    leaked.unregister(this);
    this.x.destroy_context(this.ptr);
    this.ptr = 0;
  }

  private words(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer, this.ptr, 6);
  }
}
