import { concatBytes } from '../../bytes.js';
import type { Detector, DetectorContext } from '../../detector.js';
import type { FormatId } from '../../format.js';
import type { ByteSink } from '../../sink.js';
import { JSON_CHECKS } from './json-checks.js';
import { looksLikePython, PYTHON_PROBE_BYTES } from './python-source.js';

/** Largest JSON document parsed; larger ones are counted as data with a coverage note. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** Keys whose presence in JSON that fails to parse means a check could not run (fail closed). */
/** Keys that some JSON check reads: a document naming them must be parsed and checked, or reported. */
const CHECKED_KEYS = /"(auto_map|chat_template|custom_pipelines|class_name|registered_name)"/;

/**
 * Inert data: text, JSON, images. Reached only after every executable format's sniffer said no, so the bytes
 * are not a pickle, archive or model. JSON documents (bounded) are parsed and given to JSON_CHECKS (HF configs
 * with custom code or chat templates, Keras configs...). Python source is recognised and named in coverage.
 * An empty top-level file is reported, since nothing was there to check; an empty member is just data.
 */
export const dataDetector: Detector = {
  id: 'data',
  version: 2,
  formats: ['empty', 'text', 'json', 'image'],
  create: (ctx, format) => new DataSink(ctx, format),
};

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

class DataSink implements ByteSink {
  private size = 0;
  private kept: Uint8Array[] = [];
  private keptBytes = 0;
  private readonly keep: number;
  private overflow = false;
  /** The part kept before an oversized JSON overflowed named keys a check reads. */
  private overflowNamesCheckedKeys = false;

  constructor(
    private readonly ctx: DetectorContext,
    private readonly format: FormatId,
  ) {
    this.keep =
      format === 'json'
        ? Math.min(MAX_JSON_BYTES, ctx.limits.maxHeaderBytes)
        : format === 'text'
          ? PYTHON_PROBE_BYTES
          : 0;
  }

  write(chunk: Uint8Array): void {
    this.size += chunk.length;
    if (this.overflow || this.keep === 0) return;
    const room = this.keep - this.keptBytes;
    if (chunk.length > room && this.format === 'json') {
      this.overflow = true;
      const prefix = new TextDecoder('utf-8').decode(
        concatBytes([...this.kept, chunk.subarray(0, room)], this.keptBytes + room),
      );
      this.overflowNamesCheckedKeys = CHECKED_KEYS.test(prefix);
      this.kept = [];
      return;
    }
    const part = chunk.subarray(0, Math.min(room, chunk.length));
    if (part.length > 0) {
      this.kept.push(part.slice());
      this.keptBytes += part.length;
    }
  }

  end(): void {
    const { ctx, format, size } = this;
    if (format === 'empty') {
      if (ctx.depth === 0) ctx.issue('EMPTY_FILE', 'file is empty: nothing to scan');
      return ctx.scanned('empty', 'data, 0 bytes');
    }
    if (format === 'json') return this.endJson();
    if (format === 'text') {
      const head = new TextDecoder('utf-8').decode(concatBytes(this.kept, this.keptBytes));
      if (looksLikePython(head))
        return ctx.scanned('python', `python source, ${size} bytes (text; not executed)`);
    }
    ctx.scanned(format, `data, ${size} bytes`);
  }

  private endJson(): void {
    const { ctx, size } = this;
    if (this.overflow && this.overflowNamesCheckedKeys)
      ctx.issue(
        'LIMIT_HEADER',
        `JSON document larger than ${this.keep} bytes names keys that are checked (auto_map, chat_template, Keras class_name...); it was not parsed`,
      );
    if (this.overflow)
      return ctx.scanned(
        'json',
        `json, ${size} bytes: larger than ${this.keep} bytes, counted as data, not parsed`,
      );
    let doc: unknown;
    let text = '';
    try {
      text = UTF8.decode(concatBytes(this.kept, this.keptBytes));
      doc = JSON.parse(text);
    } catch {
      // Not one JSON document (JSON Lines, a text file starting with '['...): inert text, unless it names
      // keys a check exists for, in which case a lenient loader might still read them.
      if (CHECKED_KEYS.test(text))
        ctx.issue(
          'PARSE_ERROR',
          'JSON with auto_map/chat_template keys does not parse; it could not be checked',
        );
      return ctx.scanned('text', `text (not a JSON document), ${size} bytes`);
    }
    this.kept = [];
    const recognised = JSON_CHECKS.filter((c) => c.check(doc, ctx)).map((c) => c.id);
    ctx.scanned(
      'json',
      `json, ${size} bytes${recognised.length ? `, checked as ${recognised.join(', ')}` : ''}`,
    );
  }
}
