/**
 * `npm run bench:density [-- --count N --memory MiB --seconds S]`: per-VM host cost of idle VMs under the daemon.
 * Starts a daemon in a temporary state directory, starts N VMs (default 10, 64 MiB each) running a bare-metal
 * guest that prints one line and then sleeps in WFI, and measures for each VM process its resident memory
 * (RSS; the guest itself touches only a few KiB of its RAM, so RSS is the host overhead) and its host CPU over
 * S seconds (default 10). Then estimates how many such VMs this host holds (by RAM and by CPU).
 * Targets (issue 5): ≤ 30 MiB overhead and ≤ 1 % of a core per idle VM.
 *
 * The overhead figure is RSS (issue 5's definition). Next to it, from /proc/<pid>/smaps and smaps_rollup: how much
 * of the RSS is the node binary's own file pages (mapped by every Node process on the host, held once in the page
 * cache), PSS (every resident page divided by the number of processes mapping it) and private memory (USS: what
 * stopping the VM gives back).
 */
import { mkdtempSync, readFileSync, realpathSync, rmSync, mkdirSync } from 'node:fs';
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

const nodeBinary = realpathSync(process.execPath);
/** PSS, private (USS) and the resident pages of the node binary, in MiB. */
function procMem(pid: number): { pssMiB: number; privateMiB: number; nodeBinaryMiB: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  let binKiB = 0;
  let inBinary = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inBinary = line.trimEnd().endsWith(' ' + nodeBinary);
    else if (inBinary && line.startsWith('Rss:')) binKiB += Number(line.split(/\s+/)[1]);
  }
  return { pssMiB: kib('Pss') / 1024, privateMiB: (kib('Private_Clean') + kib('Private_Dirty')) / 1024, nodeBinaryMiB: binKiB / 1024 };
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
  const mem = vms.map((v) => procMem(v.pid!));
  const daemonCpu = (procStat(process.pid).cpuS - daemonBefore) / seconds;
  const rows = vms.map((v, i) => ({ vm: v.name, rssMiB: after[i]!.rssMiB, ...mem[i]!, cpuPct: (100 * (after[i]!.cpuS - before[i]!.cpuS)) / seconds }));
  const rss = median(rows.map((r) => r.rssMiB));
  const nodeBin = median(rows.map((r) => r.nodeBinaryMiB));
  const pss = median(rows.map((r) => r.pssMiB));
  const priv = median(rows.map((r) => r.privateMiB));
  const cpu = median(rows.map((r) => r.cpuPct));
  const byRam = Math.floor(totalmem() / 1048576 / (memoryMiB + rss));
  const byCpu = cpu > 0 ? Math.floor((100 * cpus().length) / cpu) : Infinity;
  const json = {
    count, memoryMiB, seconds, startMsPerVm: startMs,
    perVm: { rssMiBMedian: rss, idleCpuPctMedian: cpu, overheadTargetMiB: 30, idleCpuTargetPct: 1, nodeBinaryMiBMedian: nodeBin, pssMiBMedian: pss, privateMiBMedian: priv },
    daemonIdleCpuPct: 100 * daemonCpu,
    hostHolds: { byRam, byCpu: Number.isFinite(byCpu) ? byCpu : null, estimate: Math.min(byRam, byCpu) },
    vms: rows,
  };
  report(json, [
    table(['vm', 'RSS MiB', 'node binary MiB', 'PSS MiB', 'private MiB', 'CPU % of a core'],
      rows.map((r) => [r.vm, r.rssMiB.toFixed(1), r.nodeBinaryMiB.toFixed(1), r.pssMiB.toFixed(1), r.privateMiB.toFixed(1), r.cpuPct.toFixed(2)])),
    '',
    `per idle VM (median): ${rss.toFixed(1)} MiB host overhead (RSS; target ≤ 30), ${cpu.toFixed(2)} % of a core (target ≤ 1); start ${startMs.toFixed(0)} ms/VM`,
    `  of the RSS, ${nodeBin.toFixed(1)} MiB are the node binary's file pages (shared by all Node processes); PSS ${pss.toFixed(1)} MiB, private ${priv.toFixed(1)} MiB (see docs/daemon.md, Density)`,
    `this host (${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB) holds about ${Math.min(byRam, byCpu)} idle ${memoryMiB} MiB VMs (RAM: ${byRam}, CPU: ${Number.isFinite(byCpu) ? byCpu : '∞'})`,
  ].join('\n'));
} finally {
  d.manager.killAll();
  await d.close();
  rmSync(dir, { recursive: true, force: true });
}
