// Synthesis benchmark: keelson against plain cdk8s and cdk8s-plus-28, measured in the same run.
// Each measurement is a whole process (start-up, build, synth, write), as `npm run synth` is.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const sizes = (process.env.BENCH_SIZES ?? '100,1000,5000').split(',').map(Number);
/** Skip a run whose time, extrapolated quadratically from the last measured size, exceeds this. */
const budgetSeconds = Number(process.env.BENCH_BUDGET ?? 90);
const impls = ['keelson', 'cdk8s', 'cdk8s-plus'] as const;
type Impl = (typeof impls)[number];
interface Sample { seconds: number; rssMb: number }

const here = path.dirname(new URL(import.meta.url).pathname);
const runner = path.resolve(here, '../bin/keelson-app.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'keelson-bench-'));

function run(impl: Impl, n: number): Sample {
  const outdir = path.join(tmp, `${impl}-${n}`);
  const start = process.hrtime.bigint();
  // One process per run, started as `npm run synth` starts main.ts (cdk8s.yaml): keelson-app.
  const child = spawnSync(process.execPath, [runner, path.join(here, 'apps', `${impl}.ts`), String(n), outdir], { cwd: path.resolve(here, '..'), encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (child.status !== 0) throw new Error(`${impl} N=${n} failed:\n${child.stderr}`);
  const { maxRssKb } = JSON.parse(child.stdout.trim().split('\n').pop()!);
  fs.rmSync(outdir, { recursive: true, force: true });
  return { seconds, rssMb: maxRssKb / 1024 };
}

/** The median of three runs (one when a run takes over ten seconds): single runs on a shared 2-core machine are noisy. */
function median(impl: Impl, n: number): Sample {
  const first = run(impl, n);
  if (first.seconds > 10) return first;
  const samples = [first, run(impl, n), run(impl, n)].sort((a, b) => a.seconds - b.seconds);
  return samples[1]!;
}

const results = new Map<string, Sample | string>();
const key = (impl: Impl, n: number) => `${impl}:${n}`;
// Warm the tsx transform cache so the first measurement is not penalised.
run('keelson', 1);
for (const n of sizes) {
  for (const impl of impls) {
    const previous = sizes.slice(0, sizes.indexOf(n)).reverse().map((m) => [m, results.get(key(impl, m))] as const).find(([, s]) => typeof s === 'object');
    if (previous) {
      const [m, s] = previous as [number, Sample];
      const predicted = s.seconds * (n / m) ** 2;
      if (impl !== 'keelson' && predicted > budgetSeconds) {
        results.set(key(impl, n), `skipped (~${predicted.toFixed(0)} s if quadratic)`);
        continue;
      }
    }
    const sample = median(impl, n);
    results.set(key(impl, n), sample);
    process.stderr.write(`${impl} N=${n}: ${sample.seconds.toFixed(2)} s, ${sample.rssMb.toFixed(0)} MB\n`);
  }
}
fs.rmSync(tmp, { recursive: true, force: true });

const cell = (s: Sample | string | undefined) => (typeof s === 'object' ? `${s.seconds.toFixed(2)} s / ${s.rssMb.toFixed(0)} MB` : (s ?? 'n/a'));
const ratio = (a: Sample | string | undefined, b: Sample | string | undefined) => (typeof a === 'object' && typeof b === 'object' ? `${(b.seconds / a.seconds).toFixed(1)}×` : 'n/a');
const lines = [
  `| N | keelson | cdk8s (L1) + App.synth | cdk8s-plus-28 + App.synth | cdk8s ÷ keelson | cdk8s-plus ÷ keelson |`,
  `|---:|---|---|---|---:|---:|`,
  ...sizes.map((n) => {
    const k = results.get(key('keelson', n));
    return `| ${n} | ${cell(k)} | ${cell(results.get(key('cdk8s', n)))} | ${cell(results.get(key('cdk8s-plus', n)))} | ${ratio(k, results.get(key('cdk8s', n)))} | ${ratio(k, results.get(key('cdk8s-plus', n)))} |`;
  }),
];
const k1000 = results.get(key('keelson', 1000));
const k5000 = results.get(key('keelson', 5000));
if (typeof k1000 === 'object' && typeof k5000 === 'object') {
  lines.push('', `keelson growth 1,000 → 5,000: ${(k5000.seconds / k1000.seconds).toFixed(2)}× time for 5× services (linear is 5×; quadratic would be 25×)`);
}
console.log(`Wall seconds / peak RSS of the whole synth process (median of three runs under ten seconds) on ${os.cpus().length} cores, node ${process.version}\n`);
console.log(lines.join('\n'));
