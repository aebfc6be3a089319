import { open } from 'node:fs/promises';

export const READ_CHUNK = 1 << 20;

/**
 * Read a file once, front to back, in 1 MiB chunks with one read in flight ahead of the consumer (three buffers
 * rotate). A yielded chunk stays valid until the consumer has asked for the two after it, which is what the
 * pipeline needs to hash one chunk while its detectors still work on the previous one.
 */
export async function* readFileChunks(path: string, chunkSize = READ_CHUNK): AsyncGenerator<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buffers = [
      Buffer.allocUnsafe(chunkSize),
      Buffer.allocUnsafe(chunkSize),
      Buffer.allocUnsafe(chunkSize),
    ];
    let which = 0;
    let pending = fh.read(buffers[0]!, 0, chunkSize, null);
    for (;;) {
      const { bytesRead, buffer } = await pending;
      if (bytesRead === 0) return;
      which = (which + 1) % buffers.length;
      pending = fh.read(buffers[which]!, 0, chunkSize, null);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
