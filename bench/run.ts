// Synthesis benchmark: keelson against `helm template`, plain cdk8s and cdk8s-plus-28, measured
// in the same run. Each measurement is a whole process (start-up, build, synth, write), as
// `npm run synth` is. Sizes alternate between the tools so a noisy moment hits all of them.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fetchHelm } from './helm.js';
import { SERVICES_PER_STACK } from './apps/shape.js';

const sizes = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
/** Runs per size and tool; the table shows the median. */
const repeats = Number(process.env.BENCH_RUNS ?? 3);
/** Skip a run whose time, extrapolated quadratically from the last measured size, exceeds this. */
const budgetSeconds = Number(process.env.BENCH_BUDGET ?? 90);
const allImpls = ['keelson', 'helm', 'cdk8s', 'cdk8s-plus'] as const;
type Impl = (typeof allImpls)[number];
/** The tools to measure (BENCH_TOOLS=keelson,helm for a large size the others cannot reach). */
const impls = (process.env.BENCH_TOOLS ?? allImpls.join(',')).split(',').map((t) => {
  if (!allImpls.includes(t as Impl)) throw new Error(`BENCH_TOOLS: unknown tool ${JSON.stringify(t)} (tools: ${allImpls.join(', ')})`);
  return t as Impl;
});
interface Sample { seconds: number; rssMb: number }

const here = path.dirname(new URL(import.meta.url).pathname);
const repo = path.resolve(here, '..');
const runner = path.join(repo, 'bin/keelson-app.mjs');
/** The node options `npm run synth` starts keelson-app with (`node <options> bin/keelson-app.mjs main.ts`). */
const synthScript: string = JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')).scripts.synth;
const nodeOptions: string[] = (() => {
  const match = /^node ((?:--\S+ )*)bin\/keelson-app\.mjs /.exec(synthScript);
  if (!match) throw new Error(`package.json: the synth script ${JSON.stringify(synthScript)} is not "node [options] bin/keelson-app.mjs …"`);
  return match[1]!.trim().split(' ').filter(Boolean);
})();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-bench-'));
const helm = fetchHelm(path.join(repo, 'node_modules', '.cache', 'keelson-bench'));

/** Peak resident memory of a running process (Linux: VmHWM), 0 when it cannot be read. */
function peakRssKb(pid: number): number {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs helm as a child process, sampling its peak memory until it exits (a node app reports its own). */
function runHelm(n: number, outdir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(helm, ['template', 'bench', path.join(here, 'helm'), '--set', `services=${n}`, '--set', `servicesPerTeam=${SERVICES_PER_STACK}`, '--output-dir', outdir], { stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let stderr = '';
    const timer = setInterval(() => (peak = Math.max(peak, peakRssKb(child.pid!))), 10);
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code === 0) resolve(peak);
      else reject(new Error(`helm N=${n} failed:\n${stderr}`));
    });
  });
}

async function run(impl: Impl, n: number): Promise<Sample> {
  const outdir = path.join(tmp, `${impl}-${n}`);
  const start = process.hrtime.bigint();
  let rssKb: number;
  if (impl === 'helm') {
    rssKb = await runHelm(n, outdir);
  } else {
    // One process per run, started as `npm run synth` starts main.ts (cdk8s.yaml): keelson-app, same node options.
    const child = spawnSync(process.execPath, [...nodeOptions, runner, path.join(here, 'apps', `${impl}.ts`), String(n), outdir], { cwd: repo, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (child.status !== 0) throw new Error(`${impl} N=${n} failed:\n${child.stderr}`);
    rssKb = JSON.parse(child.stdout.trim().split('\n').pop()!).maxRssKb;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  fs.rmSync(outdir, { recursive: true, force: true });
  return { seconds, rssMb: rssKb / 1024 };
}

const results = new Map<string, Sample[] | string>();
const key = (impl: Impl, n: number) => `${impl}:${n}`;
function median(samples: Sample[]): Sample {
  const sorted = [...samples].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted.length >> 1;
  if (sorted.length % 2) return sorted[mid]!;
  const [a, b] = [sorted[mid - 1]!, sorted[mid]!];
  return { seconds: (a.seconds + b.seconds) / 2, rssMb: Math.max(a.rssMb, b.rssMb) };
}
// Warm the file cache and esbuild so the first measurement is not penalised.
for (const impl of impls) await run(impl, 1);
for (const n of sizes) {
  for (let r = 0; r < repeats; r++) {
    for (const impl of impls) {
      const done = results.get(key(impl, n));
      if (typeof done === 'string') continue;
      const previous = sizes.slice(0, sizes.indexOf(n)).reverse().map((m) => [m, results.get(key(impl, m))] as const).find(([, s]) => Array.isArray(s));
      if (previous && !done && impl !== 'keelson' && impl !== 'helm') {
        const [m, s] = previous as [number, Sample[]];
        const predicted = median(s).seconds * (n / m) ** 2;
        if (predicted > budgetSeconds) {
          results.set(key(impl, n), `skipped (~${predicted.toFixed(0)} s if quadratic)`);
          continue;
        }
      }
      // Runs over ten seconds are measured once: their noise is small against their length.
      if (done && median(done).seconds > 10) continue;
      const sample = await run(impl, n);
      results.set(key(impl, n), [...(done ?? []), sample]);
      process.stderr.write(`${impl} N=${n}: ${sample.seconds.toFixed(2)} s, ${sample.rssMb.toFixed(0)} MB\n`);
    }
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

const sampleOf = (impl: Impl, n: number) => {
  const r = results.get(key(impl, n));
  return Array.isArray(r) ? median(r) : r;
};
const cell = (s: Sample | string | undefined) => (typeof s === 'object' ? `${s.seconds.toFixed(2)} s / ${s.rssMb.toFixed(0)} MB` : (s ?? 'n/a'));
const ratio = (a: Sample | string | undefined, b: Sample | string | undefined) => (typeof a === 'object' && typeof b === 'object' ? `${(a.seconds / b.seconds).toFixed(2)}×` : 'n/a');
const lines = [
  `| N | keelson | helm template v3.16 | cdk8s (L1) + App.synth | cdk8s-plus-28 + App.synth | keelson ÷ helm | keelson ÷ cdk8s | keelson ÷ cdk8s-plus |`,
  `|---:|---|---|---|---|---:|---:|---:|`,
  ...sizes.map((n) => {
    const k = sampleOf('keelson', n);
    const [h, c, p] = [sampleOf('helm', n), sampleOf('cdk8s', n), sampleOf('cdk8s-plus', n)];
    return `| ${n} | ${cell(k)} | ${cell(h)} | ${cell(c)} | ${cell(p)} | ${ratio(k, h)} | ${ratio(k, c)} | ${ratio(k, p)} |`;
  }),
];
const growth = sizes.slice(1).map((n, i) => [sizes[i]!, n] as const).map(([a, b]) => [a, b, sampleOf('keelson', a), sampleOf('keelson', b)] as const);
for (const [a, b, sa, sb] of growth) {
  if (typeof sa === 'object' && typeof sb === 'object') lines.push(`${lines.length === sizes.length + 2 ? '\n' : ''}keelson growth ${a} → ${b}: ${(sb.seconds / sa.seconds).toFixed(2)}× time for ${(b / a).toFixed(0)}× services`);
}
console.log(`Wall seconds / peak RSS of the whole process (median of ${repeats} runs; one for runs over ten seconds), sizes alternating between the tools, on ${os.cpus().length} cores, node ${process.version}${nodeOptions.length ? ` ${nodeOptions.join(' ')} (as npm run synth)` : ''}\n`);
console.log(lines.join('\n'));
