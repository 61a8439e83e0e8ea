/**
 * `npm run bench:io [-- --mib N] [--runs N] [--no-qemu] [--only block,net]`: guest I/O throughput, hv vs QEMU,
 * in one invocation.
 *
 * Block (virtio-blk): each emulator boots the default image (Debian kernel + hv initramfs, 512 MiB) with two
 * fresh disks of 1 GiB — a raw file and an empty qcow2 (both made by `hv image create`) — and the guest runs
 *   dd if=/dev/zero of=/dev/vdX bs=1M count=N oflag=direct     (sequential write, N = 256 by default)
 *   dd if=/dev/vdX of=/dev/null bs=1M count=N iflag=direct     (sequential read)
 * on each disk; throughput is bytes / guest seconds around the dd (the guest's /proc/uptime; the guest clock
 * follows the host's in both emulators). QEMU: `qemu-system-riscv64 -M virt -m 512M -kernel <same vmlinux> -initrd
 * <same initramfs> -drive file=…,if=none,id=dN,format=… -device virtio-blk-device,drive=dN,serial=…` (virtio-
 * mmio, default cache=writeback, as hv). Disks are told apart in the guest by their serial number. Measuring
 * starts once the guest is idle (see waitGuestIdle: module loading and crypto self-tests run on after boot).
 * With --runs N (default 3) each test repeats N times in the same boot and the median counts.
 *
 * Output: JSON on stdout (bench/report.ts), a table on stderr, ratios hv/QEMU (higher is better for hv).
 *
 * Other sections: a file bench/io-<name>.ts exporting `section: IoSection` is picked up automatically
 * (see SECTION_FILES; the virtio-net engineer's guest↔host TCP throughput goes in bench/io-net.ts).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HvConsole, HV_BIN, projectRoot } from '../tests/boot/console.js';
import { defaultImagePaths, createImage, type ImageInfo } from '../src/images/index.js';
import { median, report, table } from './report.js';

// ---------------------------------------------------------------------------------------------
// Section interface (shared with bench/io-*.ts)

export interface IoContext {
  image: ImageInfo;
  withQemu: boolean;
  runs: number;
  args: readonly string[];
  /** Scratch directory, removed at the end. */
  tmp: string;
  log: (line: string) => void;
}

export interface IoSectionResult {
  /** Goes under this key in the JSON document. */
  json: unknown;
  /** Table rows: [test, hv, QEMU, hv/QEMU]. */
  rows: (string | number)[][];
}

export interface IoSection {
  readonly name: string;
  run(ctx: IoContext): Promise<IoSectionResult>;
}

/** Optional sections, loaded when their compiled file exists (bench/io-net.ts → dist/bench/io-net.js). */
const SECTION_FILES = ['./io-net.js'];

// ---------------------------------------------------------------------------------------------

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  const v = i >= 0 ? Number(args[i + 1]) : dflt;
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const MIB = flag('--mib', 256);
const RUNS = flag('--runs', 3);
const MEMORY = '512M';
const APPEND = 'console=ttyS0 earlycon=sbi root=none';
const QEMU = 'qemu-system-riscv64';
const log = (line: string): void => { process.stderr.write(`bench io: ${line}\n`); };
const round = (x: number): number => Math.round(x * 100) / 100;

const withQemu = !args.includes('--no-qemu') && spawnSync('sh', ['-c', `command -v ${QEMU}`]).status === 0;
if (!withQemu && !args.includes('--no-qemu')) log(`${QEMU} not found (Debian package qemu-system-misc): hv only`);

let image = await defaultImagePaths();
if (image === null) {
  log('pulling the default image (hv image pull)…');
  const r = spawnSync(process.execPath, [HV_BIN, 'image', 'pull'], { cwd: projectRoot(), stdio: ['ignore', 2, 2] });
  if (r.status !== 0) process.exit(1);
  image = await defaultImagePaths();
  if (image === null) process.exit(1);
}
const img: ImageInfo = image;
const tmp = mkdtempSync(join(tmpdir(), 'hv-bench-io-'));

// ---------------------------------------------------------------------------------------------
// Block section

interface DiskResult { writeMBps: number; readMBps: number; writeRuns: number[]; readRuns: number[] }
type Emu = 'hv' | 'qemu';
const FORMATS = ['raw', 'qcow2'] as const;
type Fmt = typeof FORMATS[number];

/**
 * Runs a dd in the guest and returns MB/s (2^20 bytes per second). Busybox dd prints no timing, so
 * the guest's /proc/uptime (10 ms resolution) is read before and after it.
 */
async function ddRate(vm: HvConsole, cmd: string, bytes: number): Promise<number> {
  const out = await vm.sh(`a=$(cut -d' ' -f1 /proc/uptime); ${cmd} 2>&1 | grep -c 'records out'; b=$(cut -d' ' -f1 /proc/uptime); echo "T $a $b"`, 900_000);
  const m = /T ([\d.]+) ([\d.]+)/.exec(out);
  if (!m || !/^1$/m.test(out)) throw new Error(`dd failed in the guest:\n${out}\n${vm.transcript().slice(-3000)}`);
  const seconds = Number(m[2]) - Number(m[1]);
  return bytes / 1048576 / Math.max(seconds, 0.01);
}

/**
 * Waits until the guest is idle (≥ 95 % idle over one second, twice in a row): after the boot marker
 * the guest still loads modules and runs crypto self-tests in the background for a while (seconds of
 * emulated CPU), which would otherwise compete with the measurement — far longer in the slower emulator.
 */
export async function waitGuestIdle(vm: HvConsole, timeoutMs = 180_000): Promise<void> {
  const t0 = Date.now();
  let quiet = 0;
  while (Date.now() - t0 < timeoutMs) {
    const out = await vm.sh('head -1 /proc/stat; sleep 1; head -1 /proc/stat', 60_000);
    const [a, b] = out.split('\n').filter((l) => l.startsWith('cpu ')).map((l) => l.trim().split(/\s+/).slice(1).map(Number));
    if (!a || !b) throw new Error(`cannot read /proc/stat:\n${out}`);
    const total = b.reduce((x, y) => x + y, 0) - a.reduce((x, y) => x + y, 0);
    const idle = (b[3]! + (b[4] ?? 0)) - (a[3]! + (a[4] ?? 0));
    quiet = total > 0 && idle / total >= 0.95 ? quiet + 1 : 0;
    if (quiet >= 2) return;
  }
  log('the guest did not become idle; measuring anyway');
}

async function blockRun(emu: Emu): Promise<Record<Fmt, DiskResult>> {
  const files: Record<Fmt, string> = { raw: join(tmp, `${emu}.raw`), qcow2: join(tmp, `${emu}.qcow2`) };
  for (const f of FORMATS) {
    rmSync(files[f], { force: true });
    await createImage({ path: files[f], format: f, size: 1024 * 1048576 });
  }
  const vm = emu === 'hv'
    ? HvConsole.spawn([
      'run', '--kernel', img.kernel, '--initrd', img.initramfs, '--append', APPEND, '--memory', MEMORY, '--timeout', '1800',
      ...FORMATS.flatMap((f) => ['--drive', `file=${files[f]},format=${f},serial=bench-${f}`]),
    ])
    : HvConsole.spawnCommand(QEMU, [
      '-M', 'virt', '-nographic', '-m', MEMORY, '-kernel', img.kernel, '-initrd', img.initramfs, '-append', APPEND,
      ...FORMATS.flatMap((f, i) => ['-drive', `file=${files[f]},if=none,id=d${i},format=${f}`, '-device', `virtio-blk-device,drive=d${i},serial=bench-${f}`]),
    ]);
  try {
    await vm.waitFor(/HV-BOOT-OK/, 300_000);
    await waitGuestIdle(vm);
    const res = {} as Record<Fmt, DiskResult>;
    for (const f of FORMATS) {
      const dev = (await vm.sh(`for d in /sys/block/vd*; do [ "$(cat $d/serial 2>/dev/null)" = bench-${f} ] && echo /dev/\${d##*/}; done`)).trim();
      if (!/^\/dev\/vd[a-z]$/.test(dev)) throw new Error(`${emu}: no disk with serial bench-${f} (got ${JSON.stringify(dev)})\n${vm.transcript()}`);
      const w: number[] = [], r: number[] = [];
      for (let k = 0; k < RUNS; k++) {
        w.push(await ddRate(vm, `dd if=/dev/zero of=${dev} bs=1M count=${MIB} oflag=direct`, MIB * 1048576));
        r.push(await ddRate(vm, `dd if=${dev} of=/dev/null bs=1M count=${MIB} iflag=direct`, MIB * 1048576));
        log(`${emu} ${f}: write ${w.at(-1)!.toFixed(1)} MB/s, read ${r.at(-1)!.toFixed(1)} MB/s`);
      }
      res[f] = { writeMBps: round(median(w)), readMBps: round(median(r)), writeRuns: w.map(round), readRuns: r.map(round) };
    }
    return res;
  } finally {
    await vm.kill();
    for (const f of FORMATS) rmSync(files[f], { force: true });
  }
}

const blockSection: IoSection = {
  name: 'block',
  async run(ctx) {
    ctx.log(`virtio-blk: dd ${MIB} MiB (bs=1M, direct) on raw and qcow2, hv${ctx.withQemu ? ' and QEMU' : ''}`);
    const hv = await blockRun('hv');
    const qemu = ctx.withQemu ? await blockRun('qemu') : undefined;
    const rows: (string | number)[][] = [];
    const ratios: Record<string, number> = {};
    for (const f of FORMATS) {
      for (const dir of ['write', 'read'] as const) {
        const key = `${dir}MBps` as const;
        const h = hv[f][key], q = qemu?.[f][key];
        const ratio = q !== undefined ? round(h / q) : undefined;
        if (ratio !== undefined) ratios[`${f}-${dir}`] = ratio;
        rows.push([`blk ${f} seq ${dir} (MB/s)`, h.toFixed(1), q !== undefined ? q.toFixed(1) : '-', ratio !== undefined ? ratio.toFixed(2) : '-']);
      }
    }
    return {
      json: {
        what: `guest dd of ${MIB} MiB, bs=1M, oflag/iflag=direct, on /dev/vdX (virtio-blk, 1 GiB fresh images made by hv image create)`,
        unit: 'MB/s (2^20 bytes per second of guest time around dd)',
        hv,
        ...(qemu ? { qemu, ratio: ratios, version: spawnSync(QEMU, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] } : {}),
      },
      rows,
    };
  },
};

// ---------------------------------------------------------------------------------------------

const sections: IoSection[] = [blockSection];
const here = dirname(fileURLToPath(import.meta.url));
for (const f of SECTION_FILES) {
  if (!existsSync(join(here, f))) continue;
  const mod = await import(f) as { section?: IoSection; netBench?: IoSection };
  const s = mod.section ?? mod.netBench;
  if (s) sections.push(s);
}

// --only NAME[,NAME…] runs just those sections (e.g. --only block).
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? '').split(',')) : undefined;
if (only) sections.splice(0, sections.length, ...sections.filter((s) => only.has(s.name)));
const ctx: IoContext = { image: img, withQemu, runs: RUNS, args, tmp, log };
const json: Record<string, unknown> = { bench: 'io', memory: MEMORY };
const rows: (string | number)[][] = [];
try {
  for (const s of sections) {
    // A failing section is reported and the others still count.
    try {
      const r = await s.run(ctx);
      json[s.name] = r.json;
      rows.push(...r.rows);
    } catch (e) {
      log(`${s.name}: failed: ${(e as Error).stack ?? String(e)}`);
      json[s.name] = { error: (e as Error).message.split('\n')[0] };
      rows.push([`${s.name}: failed (see the log)`, '-', '-', '-']);
      process.exitCode = 1;
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
report(json, table(['test', 'hv', 'QEMU', 'hv/QEMU'], rows));
