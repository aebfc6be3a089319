import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerfileViolations, parseDockerfile } from '../validate/dockerfile.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

describe('Dockerfile (checked offline: no Docker engine on CI)', () => {
  it('meets every rule', () => {
    expect(dockerfileViolations(dockerfile)).toEqual([]);
  });

  it('builds on and runs from the same pinned Node LTS base', () => {
    const { stages } = parseDockerfile(dockerfile);
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(stages[0]!.image).toMatch(/^node:(22|24)\.\d+\.\d+-bookworm-slim$/);
    expect(stages[1]!.image).toBe(stages[0]!.image);
  });

  it('installs exactly what package.json ships, and the entrypoint exists there', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
      files: string[];
    };
    expect(pkg.bin['cavra-scan']).toBe('dist/cli/bin.js');
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'rules', 'policies']));
    expect(readFileSync(join(root, 'cli/bin.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(dockerfile).toContain('ln -s /app/dist/cli/bin.js /usr/local/bin/cavra-scan');
  });

  it('keeps secrets, VCS data and build output out of the build context', () => {
    const ignore = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const p of ['.git', 'node_modules', 'dist', '**/*.key', '**/*.pem', '.env', '.cavra-scan'])
      expect(ignore).toContain(p);
    expect(ignore).toContain('!deploy/docker/healthcheck.mjs');
  });

  const mutations: [string, string, string][] = [
    ['USER 10001:10001', 'USER 0', 'USER-NUMERIC-NON-ROOT'],
    ['USER 10001:10001', 'USER cavra', 'USER-NUMERIC-NON-ROOT'],
    ['ENTRYPOINT ["cavra-scan"]', 'ENTRYPOINT cavra-scan', 'ENTRYPOINT'],
    ['HEALTHCHECK --interval', '# HEALTHCHECK --interval', 'HEALTHCHECK'],
    ['ARG NODE_IMAGE=node:22.21.1-bookworm-slim', 'ARG NODE_IMAGE=node:latest', 'BASE-PINNED'],
    ['ARG NODE_IMAGE=node:22.21.1-bookworm-slim', 'ARG NODE_IMAGE=node', 'BASE-PINNED'],
    [
      'FROM ${NODE_IMAGE} AS runtime',
      'FROM gcr.io/distroless/nodejs22-debian12:nonroot AS runtime',
      'SAME-BASE',
    ],
    [' && npm prune --omit=dev \\\n', '', 'NPM-PRUNE'],
    ['VOLUME ["/var/lib/cavra-scan"]', '', 'STATE-VOLUME'],
    ['      org.opencontainers.image.licenses="Apache-2.0" \\\n', '', 'OCI-LABELS'],
    ['RUN ln -s', 'RUN apt-get update && apt-get install -y curl && ln -s', 'RUNTIME-MINIMAL'],
  ];
  for (const [from, to, rule] of mutations) {
    it(`catches ${rule} (${to.slice(0, 40) || 'removed'})`, () => {
      expect(dockerfile).toContain(from);
      expect(dockerfileViolations(dockerfile.replace(from, to)).join('\n')).toContain(rule);
    });
  }
});

describe('healthcheck.mjs (the image HEALTHCHECK for serve)', () => {
  let server: Server;
  let port = 0;
  let status = 200;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/healthz' ? status : 404;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const check = (p: number): Promise<number | null> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [join(root, 'deploy/docker/healthcheck.mjs')], {
        env: { ...process.env, CAVRA_SERVE_PORT: String(p), CAVRA_HEALTHCHECK_TIMEOUT_MS: '2000' },
        stdio: 'ignore',
      });
      child.on('exit', (code) => resolve(code));
    });

  it('exits 0 when /healthz answers 200', async () => {
    status = 200;
    expect(await check(port)).toBe(0);
  });
  it('exits 1 when /healthz answers 503', async () => {
    status = 503;
    expect(await check(port)).toBe(1);
  });
  it('exits 1 when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const closed = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    expect(await check(closed)).toBe(1);
  });
});
