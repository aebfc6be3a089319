import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** A CDN for the registry bench: nginx serving one file with sendfile, as the hub's LFS redirects point at one. */
export interface BenchCdn {
  /** Base URL; the file is at `<url>/<name>`. */
  url: string;
  close(): Promise<void>;
}

/** True when an `nginx` binary is on PATH (Debian: `apt-get install nginx-light`). */
export function nginxAvailable(): boolean {
  return spawnSync('nginx', ['-v'], { stdio: 'ignore' }).status === 0;
}

/**
 * Start nginx on 127.0.0.1 serving `bytes` as `<url>/<name>` (Range, ETag, sendfile), in a folder of its own under
 * `dir`. Why nginx: a node:http server copies every byte it sends through user space and, on a 2-core machine,
 * takes CPU from the scanner being measured; real CDNs do not share the scanner's cores.
 */
export async function startNginxCdn(dir: string, name: string, bytes: Uint8Array): Promise<BenchCdn> {
  const root = join(dir, 'nginx');
  mkdirSync(join(root, 'www'), { recursive: true });
  mkdirSync(join(root, 'tmp'), { recursive: true });
  writeFileSync(join(root, 'www', name), bytes);
  const port = await freePort();
  const tmp = join(root, 'tmp');
  writeFileSync(
    join(root, 'nginx.conf'),
    [
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(root, 'nginx.pid')};`,
      'error_log stderr warn;',
      'events { worker_connections 64; }',
      'http {',
      '  access_log off;',
      '  sendfile on;',
      '  tcp_nopush on;',
      '  default_type application/octet-stream;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${tmp};`),
      `  server { listen 127.0.0.1:${port}; root ${join(root, 'www')}; }`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn('nginx', ['-p', root, '-c', join(root, 'nginx.conf')], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await ready(`${url}/${name}`, child);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

async function ready(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited with code ${child.exitCode}`);
    const status = await new Promise<number>((resolve) => {
      const req = request(url, { method: 'HEAD' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.once('error', () => resolve(0));
      req.end();
    });
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('nginx did not answer within 5 s');
}
