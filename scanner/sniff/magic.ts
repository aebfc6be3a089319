import { inflateSync, constants } from 'node:zlib';
import type { Sniffer } from '../sniffer.js';
import { ascii, startsWith } from './bytes.js';

/** PyTorch legacy files begin with a pickled LONG1 of this magic number (0x1950a86a20f9469cfc6c). */
const TORCH_LEGACY = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export const empty: Sniffer = { format: 'empty', test: (h, complete) => complete && h.length === 0 };

export const zip: Sniffer = {
  format: 'zip',
  test: (h) =>
    startsWith(h, [0x50, 0x4b, 0x03, 0x04]) ||
    startsWith(h, [0x50, 0x4b, 0x05, 0x06]) ||
    startsWith(h, [0x50, 0x4b, 0x07, 0x08]),
};

export const gzip: Sniffer = { format: 'gzip', test: (h) => startsWith(h, [0x1f, 0x8b, 0x08]) };

export const bzip2: Sniffer = {
  format: 'bzip2',
  test: (h) =>
    startsWith(h, ascii('BZh')) &&
    h.length >= 10 &&
    h[3]! >= 0x31 &&
    h[3]! <= 0x39 &&
    (startsWith(h, [0x31, 0x41, 0x59, 0x26, 0x53, 0x59], 4) ||
      startsWith(h, [0x17, 0x72, 0x45, 0x38, 0x50, 0x90], 4)),
};

export const xz: Sniffer = { format: 'xz', test: (h) => startsWith(h, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) };

export const lz4: Sniffer = { format: 'lz4', test: (h) => startsWith(h, [0x04, 0x22, 0x4d, 0x18]) };

export const sevenZip: Sniffer = {
  format: '7z',
  test: (h) => startsWith(h, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]),
};

export const numpy: Sniffer = { format: 'numpy-npy', test: (h) => startsWith(h, [0x93, ...ascii('NUMPY')]) };

export const gguf: Sniffer = { format: 'gguf', test: (h) => startsWith(h, ascii('GGUF')) };

export const hdf5: Sniffer = {
  format: 'hdf5',
  // The superblock may follow a user block of 512, 1024, 2048... bytes.
  test: (h) =>
    [0, 512, 1024, 2048, 4096, 8192, 16384, 32768].some((o) =>
      startsWith(h, [0x89, ...ascii('HDF\r\n'), 0x1a, 0x0a], o),
    ),
};

export const torchLegacy: Sniffer = { format: 'pytorch-legacy', test: (h) => startsWith(h, TORCH_LEGACY) };

export const safetensors: Sniffer = {
  format: 'safetensors',
  test: (h) => {
    if (h.length < 10 || h[8] !== 0x7b) return false;
    for (let i = 9; i < Math.min(h.length, 64); i++) {
      const c = h[i]!;
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      return c === 0x22 || c === 0x7d;
    }
    return false;
  },
};

/** tar: a 512-byte header whose checksum field matches (ustar, GNU and v7 headers alike). */
export const tar: Sniffer = {
  format: 'tar',
  test: (h) => {
    if (h.length < 512) return false;
    const field = h.subarray(148, 156);
    let stored = 0;
    let digits = 0;
    for (const c of field) {
      if (c >= 0x30 && c <= 0x37) {
        stored = stored * 8 + (c - 0x30);
        digits++;
      } else if (c === 0 || c === 0x20) {
        if (digits > 0) break;
      } else return false;
    }
    if (digits === 0) return false;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    return sum === stored && h[0] !== 0;
  },
};

/** zlib: a valid CMF/FLG pair whose stream also starts to inflate. */
export const zlib: Sniffer = {
  format: 'zlib',
  test: (h) => {
    if (h.length < 2) return false;
    const cmf = h[0]!;
    const flg = h[1]!;
    if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0 || flg & 0x20) return false;
    try {
      inflateSync(h.subarray(0, Math.min(h.length, 4096)), { finishFlush: constants.Z_SYNC_FLUSH });
      return true;
    } catch {
      return false;
    }
  },
};

export const image: Sniffer = {
  format: 'image',
  test: (h) =>
    startsWith(h, [0x89, ...ascii('PNG\r\n'), 0x1a, 0x0a]) ||
    startsWith(h, [0xff, 0xd8, 0xff]) ||
    startsWith(h, ascii('GIF87a')) ||
    startsWith(h, ascii('GIF89a')) ||
    (startsWith(h, ascii('RIFF')) && startsWith(h, ascii('WEBP'), 8)),
};
