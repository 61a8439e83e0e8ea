/**
 * `npm run bench:boot [-- --runs N] [--cpus N] [--idle-seconds S] [--no-qemu]`
 *
 * 1. Boot to userspace: wall time from spawning the emulator until the initramfs prints HV-BOOT-OK on
 *    the serial console, for hv (`node bin/hv.js run`) and for QEMU (`qemu-system-riscv64 -M virt`,
 *    its default OpenSBI), same kernel, initramfs, RAM, harts and command line; runs alternate
 *    hv/QEMU/hv/QEMU… in this one invocation; median per side and the ratio hv/QEMU.
 * 2. Idle: host CPU used by the hv process (utime + stime from /proc/<pid>/stat) while the guest sits
 *    at the shell prompt for S seconds, in % of one core; QEMU's for reference; and the guest's timer
 *    interrupt rate over the same window (from /proc/interrupts), which is what wakes an idle VM.
 *
 * Output: one JSON document on stdout, then a human table on stderr.
 * Targets: ratio ≤ 3.0 with 1 hart; idle ≤ 2 % of one core.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { HvConsole } from '../tests/boot/console.js';
import { consoleProgress, defaultImagePaths, pullDefaultImage } from '../src/images/index.js';
import { median, report, table } from './report.js';

const args = process.argv.slice(2);
function flag(name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) { process.stderr.write(`bench boot: ${name} needs a positive number\n`); process.exit(2); }
  return v;
}
const runs = Math.floor(flag('--runs', 3));
const cpus = Math.floor(flag('--cpus', 1));
const idleSeconds = flag('--idle-seconds', 10);
const MEMORY = '512M';
const APPEND = 'console=ttyS0';
const MARKER = /HV-BOOT-OK/;
const BOOT_TIMEOUT_MS = 300_000;
const TARGET = { maxRatio: 3.0, maxIdlePercentOfOneCore: 2.0 };

const QEMU = 'qemu-system-riscv64';
function haveQemu(): boolean { return spawnSync('sh', ['-c', `command -v ${QEMU}`]).status === 0; }
let withQemu = !args.includes('--no-qemu');
if (withQemu && !haveQemu()) {
  if (process.getuid?.() === 0) {
    process.stderr.write(`bench boot: installing ${QEMU} (Debian package qemu-system-misc)…\n`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    let r = spawnSync('apt-get', ['install', '-y', '-qq', 'qemu-system-misc'], { stdio: ['ignore', 2, 2], env });
    if (r.status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 2, 2] });
      r = spawnSync('apt-get', ['install', '-y', '-qq', 'qemu-system-misc'], { stdio: ['ignore', 2, 2], env });
    }
  }
  if (!haveQemu()) { process.stderr.write(`bench boot: ${QEMU} not available (sudo apt-get install qemu-system-misc); hv only\n`); withQemu = false; }
}

// Pulls the image on first use; otherwise verifies it (and rebuilds a stale initramfs).
const cached = (await defaultImagePaths()) !== null;
const image = (await pullDefaultImage(cached ? {} : { onProgress: consoleProgress() })).info;
const img = image;

const hvArgs = (): string[] => [
  'run', '--kernel', img.kernel, '--initrd', img.initramfs, '--append', APPEND,
  '--memory', MEMORY, '--cpus', String(cpus), '--timeout', String(BOOT_TIMEOUT_MS / 1000 + 60),
];
const qemuArgs = (): string[] => [
  '-M', 'virt', '-nographic', '-m', MEMORY, '-smp', String(cpus),
  '-kernel', img.kernel, '-initrd', img.initramfs, '-append', APPEND,
];
const spawnHv = (): HvConsole => HvConsole.spawn(hvArgs());
const spawnQemu = (): HvConsole => HvConsole.spawnCommand(QEMU, qemuArgs());

/** Seconds from spawn until the marker shows on the console. */
async function bootTime(start: () => HvConsole): Promise<number> {
  const vm = start();
  try {
    await vm.waitFor(MARKER, BOOT_TIMEOUT_MS);
    return vm.elapsedMs() / 1000;
  } finally {
    await vm.kill();
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 utime, 15 stime
}

/** Sum of a /proc/interrupts line's per-CPU counts. */
function irqCount(text: string, name: RegExp): number {
  const line = text.split('\n').find((l) => name.test(l));
  if (!line) return NaN;
  return line.replace(/^\s*\w+:/, '').trim().split(/\s+/).slice(0, cpus).map(Number).reduce((a, b) => a + b, 0);
}

interface Idle { cpuPercentOfOneCore: number; seconds: number; timerIrqsPerSecond: number; ttyIrqs: number }

/** Boots, waits at the prompt, measures CPU over the window; the guest's timer interrupts too. */
async function idle(start: () => HvConsole): Promise<Idle> {
  const vm = start();
  try {
    await vm.waitFor(MARKER, BOOT_TIMEOUT_MS);
    await vm.waitFor(/# $/m, 60_000);
    await sleep(3000); // let the last module loads and console output settle
    const before = await vm.sh('cat /proc/interrupts');
    await sleep(500);
    const t0 = performance.now(), c0 = cpuSeconds(vm.pid);
    await sleep(idleSeconds * 1000);
    const c1 = cpuSeconds(vm.pid), t1 = performance.now();
    await sleep(500);
    const tIrq = (t1 - t0) / 1000 + 1; // the two sleeps of 0.5 s around the window
    const after = await vm.sh('cat /proc/interrupts');
    const timer = irqCount(after, /riscv-timer/) - irqCount(before, /riscv-timer/);
    return {
      cpuPercentOfOneCore: Math.round(((c1 - c0) / ((t1 - t0) / 1000)) * 1000) / 10,
      seconds: Math.round((t1 - t0) / 100) / 10,
      timerIrqsPerSecond: Math.round((timer / tIrq) * 10) / 10,
      ttyIrqs: irqCount(after, /ttyS0/) - irqCount(before, /ttyS0/),
    };
  } finally {
    await vm.kill();
  }
}

const hvTimes: number[] = [];
const qemuTimes: number[] = [];
for (let i = 0; i < runs; i++) {
  hvTimes.push(await bootTime(spawnHv));
  process.stderr.write(`bench boot: run ${i + 1}/${runs}: hv ${hvTimes.at(-1)!.toFixed(2)} s`);
  if (withQemu) {
    qemuTimes.push(await bootTime(spawnQemu));
    process.stderr.write(`, QEMU ${qemuTimes.at(-1)!.toFixed(2)} s`);
  }
  process.stderr.write('\n');
}
process.stderr.write(`bench boot: idle at the shell prompt for ${idleSeconds} s…\n`);
const hvIdle = await idle(spawnHv);
const qemuIdle = withQemu ? await idle(spawnQemu) : undefined;

const round = (x: number): number => Math.round(x * 100) / 100;
const hvMedian = median(hvTimes);
const qemuMedian = withQemu ? median(qemuTimes) : undefined;
const ratio = qemuMedian !== undefined ? round(hvMedian / qemuMedian) : undefined;
const qemuVersion = withQemu ? spawnSync(QEMU, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] : undefined;

const json = {
  benchmark: 'boot',
  what: 'seconds from spawn until HV-BOOT-OK on the console (Debian kernel + hv initramfs); idle = host CPU of the emulator process at the shell prompt',
  cpus, runs, memory: MEMORY, append: APPEND,
  kernel: img.kernel, initramfs: img.initramfs, kernelVersion: img.kernelVersion,
  hv: { medianSeconds: round(hvMedian), seconds: hvTimes.map(round), firmware: 'built-in SBI' },
  ...(withQemu ? { qemu: { medianSeconds: round(qemuMedian!), seconds: qemuTimes.map(round), firmware: 'QEMU default (OpenSBI)', version: qemuVersion } } : {}),
  ...(ratio !== undefined ? { ratio } : {}),
  idle: { seconds: idleSeconds, hv: hvIdle, ...(qemuIdle ? { qemu: qemuIdle } : {}) },
  target: TARGET,
  meetsTarget: {
    ...(ratio !== undefined ? { ratio: cpus === 1 ? ratio <= TARGET.maxRatio : null } : {}),
    idle: hvIdle.cpuPercentOfOneCore <= TARGET.maxIdlePercentOfOneCore,
  },
  host: { loadAverage1m: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) },
};

const rows: (string | number)[][] = [
  ['hv', hvMedian.toFixed(2), hvTimes.map((t) => t.toFixed(2)).join(' '), `${hvIdle.cpuPercentOfOneCore}%`, hvIdle.timerIrqsPerSecond],
];
if (qemuIdle && qemuMedian !== undefined) rows.push(['QEMU', qemuMedian.toFixed(2), qemuTimes.map((t) => t.toFixed(2)).join(' '), `${qemuIdle.cpuPercentOfOneCore}%`, qemuIdle.timerIrqsPerSecond]);
let human = `boot to userspace (HV-BOOT-OK), ${cpus} hart(s), ${MEMORY}, ${runs} runs each; idle over ${idleSeconds} s at the prompt\n`;
human += table(['', 'median s', 'runs (s)', 'idle CPU', 'guest timer irq/s'], rows);
if (ratio !== undefined) human += `\nratio hv/QEMU: ${ratio.toFixed(2)} (target ≤ ${TARGET.maxRatio} with 1 hart${cpus === 1 ? (ratio <= TARGET.maxRatio ? ': met' : ': NOT met') : ''})`;
human += `\nidle hv: ${hvIdle.cpuPercentOfOneCore}% of one core (target ≤ ${TARGET.maxIdlePercentOfOneCore}%: ${json.meetsTarget.idle ? 'met' : 'NOT met'})`;
human += `\nhost load average (1 min) at the end: ${json.host.loadAverage1m}`;
report(json, `(human summary; the JSON above is on stdout)\n${human}`);
