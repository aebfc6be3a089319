import type { FormatId } from './format.js';
import type { Sniffer } from './sniffer.js';
import * as magic from './sniff/magic.js';
import * as textual from './sniff/text.js';
import { pickleSniffer } from './detectors/pickle/probe.js';
import { onnxSniffer, savedModelSniffer } from './detectors/protobuf/probe.js';

/** How many leading bytes the pipeline holds back to identify an object's format. */
export const SNIFF_BYTES = 64 * 1024;

/**
 * Sniffers in the order they are tried: exact magic numbers first, then structural probes (pickle, protobuf),
 * then text. The first match wins; nothing is ever decided by a file name.
 */
export const SNIFFERS: readonly Sniffer[] = [
  magic.empty,
  magic.torchLegacy,
  magic.zip,
  magic.gzip,
  magic.bzip2,
  magic.xz,
  magic.lz4,
  magic.sevenZip,
  magic.numpy,
  magic.gguf,
  magic.hdf5,
  magic.safetensors,
  magic.image,
  magic.tar,
  pickleSniffer,
  savedModelSniffer,
  onnxSniffer,
  magic.zlib,
  textual.json,
  textual.text,
];

export function sniff(head: Uint8Array, complete: boolean): FormatId {
  for (const s of SNIFFERS) if (s.test(head, complete)) return s.format;
  return 'unknown';
}
