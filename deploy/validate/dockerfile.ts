/**
 * A small Dockerfile reader for offline checks (no Docker engine here): joins continuation lines, drops
 * comments, substitutes global ARG defaults into FROM, and groups instructions by build stage.
 */
export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  image: string;
  name?: string;
  body: Instruction[];
}

export function parseDockerfile(text: string): { globalArgs: Map<string, string>; stages: Stage[] } {
  const lines = text.split('\n');
  const instrs: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let cur = lines[i]!;
    if (/^\s*(#|$)/.test(cur)) continue;
    while (/\\\s*$/.test(cur) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue;
      cur = cur.replace(/\\\s*$/, ' ') + lines[i]!.trim();
    }
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(cur);
    if (!m) throw new Error(`Dockerfile:${start + 1}: cannot parse "${cur}"`);
    instrs.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim(), line: start + 1 });
  }
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instrs) {
    if (ins.op === 'ARG' && stages.length === 0) {
      const [k, v] = ins.args.split('=', 2);
      globalArgs.set(k!.trim(), (v ?? '').trim());
    } else if (ins.op === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = words[0]!.replace(
        /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
        (_m, k: string) => globalArgs.get(k) ?? '',
      );
      const asIdx = words.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({ image, ...(asIdx > 0 ? { name: words[asIdx + 1]! } : {}), body: [] });
    } else {
      if (stages.length === 0) throw new Error(`Dockerfile:${ins.line}: ${ins.op} before FROM`);
      stages[stages.length - 1]!.body.push(ins);
    }
  }
  return { globalArgs, stages };
}

const REQUIRED_LABELS = ['title', 'version', 'revision', 'source', 'licenses', 'description'];

/** Our rules for the image; each violation is `RULE-ID: why`. */
export function dockerfileViolations(text: string): string[] {
  const v: string[] = [];
  const { stages } = parseDockerfile(text);
  const names = new Set(stages.map((s) => s.name).filter(Boolean));
  if (stages.length < 2) v.push('MULTI-STAGE: build and runtime must be separate stages');
  for (const s of stages) {
    if (names.has(s.image)) continue;
    const last = s.image.split('/').pop()!;
    if (!/[:@]/.test(last) || /:latest(@|$)/.test(s.image))
      v.push(`BASE-PINNED: ${s.image} needs an exact tag (or digest), never latest`);
  }
  const bases = new Set(stages.filter((s) => !names.has(s.image)).map((s) => s.image));
  if (bases.size > 1)
    v.push(
      `SAME-BASE: build and runtime bases differ (${[...bases].join(', ')}); native addons need the same one`,
    );
  const runtime = stages[stages.length - 1];
  const build = stages.slice(0, -1);
  const buildRuns = build.flatMap((s) => s.body.filter((i) => i.op === 'RUN').map((i) => i.args)).join('\n');
  for (const [re, rule] of [
    [/npm ci\b/, 'NPM-CI'],
    [/npm run build\b/, 'NPM-BUILD'],
    [/npm prune --omit=dev\b/, 'NPM-PRUNE'],
  ] as const) {
    if (!re.test(buildRuns)) v.push(`${rule}: the build stage must run ${re.source.replace(/\\b/g, '')}`);
  }
  if (!runtime) return v;
  const get = (op: string) => runtime.body.filter((i) => i.op === op);
  const user = get('USER').pop()?.args ?? '';
  const um = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!um || Number(um[1]) === 0 || (um[2] !== undefined && Number(um[2]) === 0))
    v.push(`USER-NUMERIC-NON-ROOT: runtime USER must be a numeric non-zero uid[:gid] (got "${user}")`);
  const entry = get('ENTRYPOINT').pop()?.args;
  let entryArgs: unknown;
  try {
    entryArgs = entry ? JSON.parse(entry) : undefined;
  } catch {
    entryArgs = undefined;
  }
  if (!Array.isArray(entryArgs) || entryArgs[0] !== 'cavra-scan')
    v.push('ENTRYPOINT: must be the exec form ["cavra-scan", ...]');
  const hc = get('HEALTHCHECK').pop()?.args ?? '';
  if (!/\bCMD\s+\[/.test(hc))
    v.push('HEALTHCHECK: an exec-form HEALTHCHECK CMD [...] is required (no shell needed)');
  const volumes = get('VOLUME')
    .map((i) => i.args)
    .join(' ');
  if (!volumes.includes('/var/lib/cavra-scan'))
    v.push('STATE-VOLUME: VOLUME /var/lib/cavra-scan must be declared');
  const env = get('ENV')
    .map((i) => i.args)
    .join(' ');
  if (!/HOME=\/var\/lib\/cavra-scan\b/.test(env))
    v.push('HOME-IN-VOLUME: HOME must point into the state volume (read-only root)');
  const labels = get('LABEL')
    .map((i) => i.args)
    .join(' ');
  for (const l of REQUIRED_LABELS)
    if (!labels.includes(`org.opencontainers.image.${l}=`))
      v.push(`OCI-LABELS: org.opencontainers.image.${l} missing`);
  for (const s of stages) {
    for (const i of s.body) {
      if (i.op === 'ADD' && /https?:\/\//.test(i.args))
        v.push(`NO-REMOTE-ADD: line ${i.line} downloads with ADD`);
      if (i.op === 'RUN' && /\b(curl|wget)\b/.test(i.args))
        v.push(`NO-DOWNLOADS: line ${i.line} runs curl/wget`);
    }
  }
  const runtimeRuns = get('RUN')
    .map((i) => i.args)
    .join('\n');
  if (/apt-get install|apk add/.test(runtimeRuns))
    v.push('RUNTIME-MINIMAL: the runtime stage must not install packages');
  if (!/rm -rf[^\n]*\/usr\/local\/lib\/node_modules\/npm/.test(runtimeRuns))
    v.push('RUNTIME-MINIMAL: npm must be removed from the runtime stage');
  return v;
}
