/**
 * `npm run bench:density [-- --count N --memory MiB --seconds S]`: per-VM host cost of idle VMs under the daemon.
 * Starts a daemon in a temporary state directory, starts N VMs (default 10, 64 MiB each) running a bare-metal
 * guest that prints one line and then sleeps in WFI, and measures for each VM process its resident memory
 * (RSS; the guest itself touches only a few KiB of its RAM, so RSS is the host overhead) and its host CPU over
 * S seconds (default 10). Then estimates how many such VMs this host holds (by RAM and by CPU).
 * Targets (issue 5): ≤ 30 MiB overhead and ≤ 1 % of a core per idle VM.
 */
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startDaemon } from '../src/daemon/main.js';
import type { VmInfo } from '../src/api/types.js';
import { buildGuests } from '../tests/api/guests.js';
import { median, report, table } from './report.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const count = arg('count', 10);
const memoryMiB = arg('memory', 64);
const seconds = arg('seconds', 10);

function procStat(pid: number): { cpuS: number; rssMiB: number } {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1]!.trim().split(/\s+/);
  const rssLine = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS'))!;
  return { cpuS: (Number(f[11]) + Number(f[12])) / 100, rssMiB: Number(rssLine.split(/\s+/)[1]) / 1024 };
}

const dir = mkdtempSync(join(tmpdir(), 'hv-density-'));
mkdirSync(join(dir, 'images'), { recursive: true });
buildGuests(join(dir, 'images'));
const d = await startDaemon({ stateDir: dir, port: 0, vmEnv: { ...process.env, HV_NO_CGROUP: '1' } });
try {
  const base = `http://127.0.0.1:${d.info.port}`;
  const headers = { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' };
  const vms: VmInfo[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const r = await fetch(`${base}/v1/vms?start=true`, { method: 'POST', headers, body: JSON.stringify({ name: `idle${i}`, kernel: 'idle.elf', bios: 'none', memoryMiB }) });
    if (r.status !== 201) throw new Error(`VM ${i}: HTTP ${r.status} ${await r.text()}`);
    vms.push(await r.json() as VmInfo);
  }
  const startMs = (performance.now() - t0) / count;
  await sleep(2000);
  const daemonBefore = procStat(process.pid).cpuS;
  const before = vms.map((v) => procStat(v.pid!));
  await sleep(seconds * 1000);
  const after = vms.map((v) => procStat(v.pid!));
  const daemonCpu = (procStat(process.pid).cpuS - daemonBefore) / seconds;
  const rows = vms.map((v, i) => ({ vm: v.name, rssMiB: after[i]!.rssMiB, cpuPct: (100 * (after[i]!.cpuS - before[i]!.cpuS)) / seconds }));
  const rss = median(rows.map((r) => r.rssMiB));
  const cpu = median(rows.map((r) => r.cpuPct));
  const byRam = Math.floor(totalmem() / 1048576 / (memoryMiB + rss));
  const byCpu = cpu > 0 ? Math.floor((100 * cpus().length) / cpu) : Infinity;
  const json = {
    count, memoryMiB, seconds, startMsPerVm: startMs,
    perVm: { rssMiBMedian: rss, idleCpuPctMedian: cpu, overheadTargetMiB: 30, idleCpuTargetPct: 1 },
    daemonIdleCpuPct: 100 * daemonCpu,
    hostHolds: { byRam, byCpu: Number.isFinite(byCpu) ? byCpu : null, estimate: Math.min(byRam, byCpu) },
    vms: rows,
  };
  report(json, [
    table(['vm', 'RSS MiB', 'CPU % of a core'], rows.map((r) => [r.vm, r.rssMiB.toFixed(1), r.cpuPct.toFixed(2)])),
    '',
    `per idle VM (median): ${rss.toFixed(1)} MiB host overhead (target ≤ 30), ${cpu.toFixed(2)} % of a core (target ≤ 1); start ${startMs.toFixed(0)} ms/VM`,
    `this host (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB) holds about ${Math.min(byRam, byCpu)} idle ${memoryMiB} MiB VMs (RAM: ${byRam}, CPU: ${Number.isFinite(byCpu) ? byCpu : '∞'})`,
  ].join('\n'));
} finally {
  d.manager.killAll();
  await d.close();
  rmSync(dir, { recursive: true, force: true });
}
