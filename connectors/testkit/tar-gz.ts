import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';

/** A gzip-compressed tar of the given files (as SageMaker's model.tar.gz). */
export async function tarGz(files: Record<string, Uint8Array>): Promise<Uint8Array> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const [name, bytes] of Object.entries(files))
    p.entry({ name, size: bytes.length }, Buffer.from(bytes));
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}
