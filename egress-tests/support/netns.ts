import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';

/** Run `ip` (or any command); throws with its stderr on failure. */
export function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function has(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Why the packet-layer tests cannot run here, or null when they can: Linux, root, `ip` and `tcpdump` installed,
 * network namespaces creatable, and the built harness (`npm run build`) present.
 */
export function packetLayerUnsupported(distFiles: readonly string[]): string | null {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0)
    return 'needs root (network namespaces and packet capture); run `npm run test:egress` as root';
  if (!has('ip')) return 'needs `ip` (Debian package iproute2; .ci/run installs it)';
  if (!has('tcpdump')) return 'needs `tcpdump` (Debian package tcpdump; .ci/run installs it)';
  const missing = distFiles.filter((f) => !existsSync(f));
  if (missing.length)
    return `needs the built harness (${missing[0]}): run \`npm run build\` first (npm run test:egress does)`;
  const probe = `cavra-eg-probe-${randomBytes(3).toString('hex')}`;
  try {
    sh('ip', ['netns', 'add', probe]);
    sh('ip', ['netns', 'del', probe]);
  } catch (err) {
    return `cannot create network namespaces here: ${(err as Error).message.split('\n')[0]}`;
  }
  return null;
}

/** A short random id, so parallel runs never share a namespace or interface name (15 chars max). */
export const labId = (): string => randomBytes(3).toString('hex');

/** Network namespaces created by one test file; `destroy` removes them all (their veths go with them). */
export class Namespaces {
  private readonly names: string[] = [];

  add(name: string): string {
    sh('ip', ['netns', 'add', name]);
    this.names.push(name);
    sh('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    return name;
  }

  /** A veth pair between two namespaces with a /30 each side; IPv6 off so only what we send shows up. */
  link(
    a: { ns: string; ifname: string; addr: string },
    b: { ns: string; ifname: string; addr: string },
  ): void {
    sh('ip', [
      'link',
      'add',
      a.ifname,
      'netns',
      a.ns,
      'type',
      'veth',
      'peer',
      'name',
      b.ifname,
      'netns',
      b.ns,
    ]);
    for (const side of [a, b]) {
      sh('ip', [
        'netns',
        'exec',
        side.ns,
        'sh',
        '-c',
        `echo 1 > /proc/sys/net/ipv6/conf/${side.ifname}/disable_ipv6`,
      ]);
      sh('ip', ['-n', side.ns, 'addr', 'add', `${side.addr}/30`, 'dev', side.ifname]);
      sh('ip', ['-n', side.ns, 'link', 'set', side.ifname, 'up']);
    }
  }

  destroy(): string[] {
    const errors: string[] = [];
    for (const n of this.names.splice(0).reverse()) {
      try {
        sh('ip', ['netns', 'del', n]);
      } catch (err) {
        errors.push(`${n}: ${(err as Error).message}`);
      }
    }
    return errors;
  }
}

/** A process started in a namespace (`ip netns exec` execs it, so `pid` is the process itself). */
export interface NsProcess {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exited: Promise<number | null>;
}

export function spawnIn(ns: string, cmd: string, args: string[]): NsProcess {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const p: NsProcess = {
    child,
    stdout: [],
    stderr: [],
    exited: new Promise((r) => child.once('exit', (code) => r(code))),
  };
  child.stdout!.setEncoding('utf8').on('data', (d: string) => p.stdout.push(d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => p.stderr.push(d));
  return p;
}

/** Wait until `test` matches the process's output (stdout + stderr), or fail after `ms`. */
export async function waitFor(p: NsProcess, test: RegExp, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!test.test(p.stdout.join('') + p.stderr.join(''))) {
    if (p.child.exitCode !== null)
      throw new Error(
        `process exited (${p.child.exitCode}) before ${test}: ${p.stderr.join('').slice(-500)}`,
      );
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${test}: ${p.stderr.join('').slice(-500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Stop a process this test started (by its pid) and wait for it to exit. */
export async function stop(p: NsProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  await p.exited;
}

/**
 * Start tcpdump on one interface of a namespace, writing every full packet to `file`; resolves once listening.
 * `--immediate-mode`: without it, packets still in an unfinished TPACKET_V3 ring block when tcpdump is stopped are
 * lost silently (not counted as dropped).
 */
export async function startCapture(ns: string, ifname: string, file: string): Promise<NsProcess> {
  const p = spawnIn(ns, 'tcpdump', [
    '-i',
    ifname,
    '-n',
    '--immediate-mode',
    '-U',
    '-s',
    '0',
    '-Z',
    'root',
    '-w',
    file,
  ]);
  await waitFor(p, /listening on/);
  return p;
}
