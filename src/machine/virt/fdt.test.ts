/**
 * Tests of the virt board's DTB: structure and values from the memmap table and QEMU's
 * conventions, dtc validation (no errors, no warnings), and a node-by-node comparison with
 * `qemu-system-riscv64 -M virt,dumpdtb=…` for the same configuration.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findNode, parseFdt, propString, propStrings, propU32s, walkNodes, type ParsedNode } from '../../fdt/parser.js';
import { buildVirtDtb, HV_ISA_EXTENSIONS, isaString, type VirtDtbConfig } from './fdt.js';

const HAVE_DTC = spawnSync('dtc', ['--version'], { stdio: 'ignore' }).status === 0;
const NO_DTC = HAVE_DTC ? false : 'dtc is not installed (apt-get install device-tree-compiler)';
const HAVE_QEMU = spawnSync('qemu-system-riscv64', ['--version'], { stdio: 'ignore' }).status === 0;
const NO_QEMU = HAVE_QEMU ? false : 'qemu-system-riscv64 is not installed (apt-get install qemu-system-misc)';

const MiB = 1024 * 1024;
const SEED = Uint8Array.from({ length: 64 }, (_, i) => i * 3);

function withTmp<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hv-virt-'));
  try { return fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

function dtcDecompile(blob: Uint8Array): { status: number | null; out: string; err: string } {
  return withTmp((dir) => {
    const f = join(dir, 'x.dtb');
    writeFileSync(f, blob);
    const r = spawnSync('dtc', ['-I', 'dtb', '-O', 'dts', '-o', '-', f], { encoding: 'utf8' });
    return { status: r.status, out: r.stdout, err: r.stderr };
  });
}

const u32s = (n: ParsedNode, p: string): number[] => {
  const v = n.props.get(p);
  assert.ok(v, `missing ${p}`);
  return propU32s(v);
};
const str = (n: ParsedNode, p: string): string => {
  const v = n.props.get(p);
  assert.ok(v, `missing ${p}`);
  return propString(v);
};
const strs = (n: ParsedNode, p: string): string[] => {
  const v = n.props.get(p);
  assert.ok(v, `missing ${p}`);
  return propStrings(v);
};
const must = (root: ParsedNode, path: string): ParsedNode => {
  const n = findNode(root, path);
  assert.ok(n, `missing node ${path}`);
  return n;
};

function phandleMap(root: ParsedNode): Map<number, string> {
  const m = new Map<number, string>();
  walkNodes(root, (n, p) => { const v = n.props.get('phandle'); if (v) m.set(propU32s(v)[0]!, p); });
  return m;
}

/** Resolves `interrupts-extended` into "path:irq" strings (every target here has 1 interrupt cell). */
function resolveExtended(root: ParsedNode, n: ParsedNode): string[] {
  const ph = phandleMap(root);
  const cells = u32s(n, 'interrupts-extended');
  const out: string[] = [];
  for (let i = 0; i < cells.length;) {
    const target = ph.get(cells[i]!);
    assert.ok(target, `dangling phandle ${cells[i]}`);
    const ncells = u32s(must(root, target), '#interrupt-cells')[0]!;
    out.push(`${target}:${cells.slice(i + 1, i + 1 + ncells).join(',')}`);
    i += 1 + ncells;
  }
  return out;
}

function checkTree(cfg: VirtDtbConfig): ParsedNode {
  const root = parseFdt(buildVirtDtb(cfg)).root;
  const harts = cfg.harts;
  assert.deepEqual(strs(root, 'compatible'), ['riscv-virtio']);
  assert.deepEqual([u32s(root, '#address-cells'), u32s(root, '#size-cells')], [[2], [2]]);

  const cpus = must(root, '/cpus');
  assert.deepEqual(u32s(cpus, 'timebase-frequency'), [10_000_000]);
  assert.deepEqual([u32s(cpus, '#address-cells'), u32s(cpus, '#size-cells')], [[1], [0]]);
  const ph = phandleMap(root);
  const intcs: string[] = [];
  for (let h = 0; h < harts; h++) {
    const path = `/cpus/cpu@${h.toString(16)}`;
    const cpu = must(root, path);
    assert.equal(str(cpu, 'device_type'), 'cpu');
    assert.deepEqual(u32s(cpu, 'reg'), [h]);
    assert.equal(str(cpu, 'status'), 'okay');
    assert.deepEqual(strs(cpu, 'compatible'), ['riscv']);
    assert.equal(str(cpu, 'riscv,isa'), 'rv64imafdc_zicntr_zicsr_zifencei_zihpm');
    assert.equal(str(cpu, 'riscv,isa-base'), 'rv64i');
    assert.deepEqual(strs(cpu, 'riscv,isa-extensions'), [...HV_ISA_EXTENSIONS]);
    assert.equal(str(cpu, 'mmu-type'), 'riscv,sv48');
    const intc = must(root, `${path}/interrupt-controller`);
    assert.deepEqual(strs(intc, 'compatible'), ['riscv,cpu-intc']);
    assert.deepEqual(u32s(intc, '#interrupt-cells'), [1]);
    assert.equal(intc.props.get('interrupt-controller')!.length, 0);
    assert.equal(ph.get(u32s(intc, 'phandle')[0]!), `${path}/interrupt-controller`);
    intcs.push(`${path}/interrupt-controller`);
    const core = must(root, `/cpus/cpu-map/cluster0/core${h}`);
    assert.equal(ph.get(u32s(core, 'cpu')[0]!), path, 'cpu-map core points at its cpu');
  }
  assert.equal(cpus.children.filter((c) => c.name.startsWith('cpu@')).length, harts);

  const mem = must(root, '/memory@80000000');
  assert.equal(str(mem, 'device_type'), 'memory');
  const ram = BigInt(cfg.ramSize);
  assert.deepEqual(u32s(mem, 'reg'), [0, 0x8000_0000, Number(ram >> 32n), Number(ram & 0xffff_ffffn)]);

  const chosen = must(root, '/chosen');
  const stdout = str(chosen, 'stdout-path');
  assert.equal(stdout, '/soc/serial@10000000');
  assert.ok(findNode(root, stdout), 'stdout-path points at a node');

  const soc = must(root, '/soc');
  assert.deepEqual(strs(soc, 'compatible'), ['simple-bus']);
  assert.equal(soc.props.get('ranges')!.length, 0);
  assert.deepEqual([u32s(soc, '#address-cells'), u32s(soc, '#size-cells')], [[2], [2]]);

  const clint = must(root, '/soc/clint@2000000');
  assert.deepEqual(strs(clint, 'compatible'), ['sifive,clint0', 'riscv,clint0']);
  assert.deepEqual(u32s(clint, 'reg'), [0, 0x200_0000, 0, 0x1_0000]);
  assert.deepEqual(resolveExtended(root, clint), intcs.flatMap((i) => [`${i}:3`, `${i}:7`]));

  const plicPath = '/soc/plic@c000000';
  const plic = must(root, plicPath);
  assert.deepEqual(strs(plic, 'compatible'), ['sifive,plic-1.0.0', 'riscv,plic0']);
  assert.deepEqual(u32s(plic, 'reg'), [0, 0xc00_0000, 0, 0x60_0000]);
  assert.deepEqual(u32s(plic, 'riscv,ndev'), [95]);
  assert.deepEqual(u32s(plic, '#interrupt-cells'), [1]);
  assert.deepEqual(u32s(plic, '#address-cells'), [0]);
  assert.ok(plic.props.has('interrupt-controller'));
  assert.deepEqual(resolveExtended(root, plic), intcs.flatMap((i) => [`${i}:11`, `${i}:9`]));
  const plicPh = u32s(plic, 'phandle')[0]!;

  const serial = must(root, '/soc/serial@10000000');
  assert.deepEqual(strs(serial, 'compatible'), ['ns16550a']);
  assert.deepEqual(u32s(serial, 'reg'), [0, 0x1000_0000, 0, 0x100]);
  assert.deepEqual(u32s(serial, 'clock-frequency'), [0x38_4000]);
  assert.deepEqual(u32s(serial, 'interrupt-parent'), [plicPh]);
  assert.deepEqual(u32s(serial, 'interrupts'), [10]);

  const rtc = must(root, '/soc/rtc@101000');
  assert.deepEqual(strs(rtc, 'compatible'), ['google,goldfish-rtc']);
  assert.deepEqual(u32s(rtc, 'reg'), [0, 0x10_1000, 0, 0x1000]);
  assert.deepEqual(u32s(rtc, 'interrupt-parent'), [plicPh]);
  assert.deepEqual(u32s(rtc, 'interrupts'), [11]);

  const testDev = must(root, '/soc/test@100000');
  assert.deepEqual(strs(testDev, 'compatible'), ['sifive,test1', 'sifive,test0', 'syscon']);
  assert.deepEqual(u32s(testDev, 'reg'), [0, 0x10_0000, 0, 0x1000]);
  for (const [name, value] of [['poweroff', 0x5555], ['reboot', 0x7777]] as const) {
    const n = must(root, `/${name}`);
    assert.deepEqual(strs(n, 'compatible'), [`syscon-${name}`]);
    assert.equal(ph.get(u32s(n, 'regmap')[0]!), '/soc/test@100000');
    assert.deepEqual(u32s(n, 'offset'), [0]);
    assert.deepEqual(u32s(n, 'value'), [value]);
  }

  const slots = cfg.virtioSlots ?? [];
  const virtio = soc.children.filter((c) => c.name.startsWith('virtio_mmio@'));
  assert.deepEqual(virtio.map((v) => v.name), [...slots].sort((a, b) => a - b).map((n) => `virtio_mmio@${(0x1000_1000 + n * 0x1000).toString(16)}`));
  for (const n of slots) {
    const v = must(root, `/soc/virtio_mmio@${(0x1000_1000 + n * 0x1000).toString(16)}`);
    assert.deepEqual(strs(v, 'compatible'), ['virtio,mmio']);
    assert.deepEqual(u32s(v, 'reg'), [0, 0x1000_1000 + n * 0x1000, 0, 0x1000]);
    assert.deepEqual(u32s(v, 'interrupt-parent'), [plicPh]);
    assert.deepEqual(u32s(v, 'interrupts'), [1 + n]);
  }
  return root;
}

for (const harts of [1, 2, 4, 8]) {
  test(`${harts} hart(s): every node and property the board promises`, () => {
    checkTree({ harts, ramSize: 256 * MiB, bootargs: 'console=ttyS0', virtioSlots: [0, 2, 7], rngSeed: SEED });
  });

  test(`${harts} hart(s): dtc decompiles the DTB with no errors and no warnings`, { skip: NO_DTC }, () => {
    const r = dtcDecompile(buildVirtDtb({ harts, ramSize: 2048 * MiB, bootargs: 'console=ttyS0 root=/dev/vda', virtioSlots: [0, 1, 2, 3, 4, 5, 6, 7], initrd: { start: 0x8800_0000, end: 0x8810_0000 } }));
    assert.equal(r.status, 0, r.err);
    assert.equal(r.err, '', 'dtc warnings');
    assert.match(r.out, /serial@10000000 \{/);
    assert.equal((r.out.match(/cpu@[0-9a-f]+ \{/g) ?? []).length, harts);
  });
}

test('/chosen: bootargs, initrd range (64-bit), injected rng-seed; absent when not configured', () => {
  const root = checkTree({ harts: 1, ramSize: 5n << 30n, bootargs: 'console=ttyS0 quiet', initrd: { start: 0x1_8000_0000n, end: 0x1_8040_0000n }, rngSeed: SEED });
  const chosen = must(root, '/chosen');
  assert.equal(str(chosen, 'bootargs'), 'console=ttyS0 quiet');
  assert.deepEqual(u32s(chosen, 'linux,initrd-start'), [1, 0x8000_0000]);
  assert.deepEqual(u32s(chosen, 'linux,initrd-end'), [1, 0x8040_0000]);
  assert.deepEqual([...chosen.props.get('rng-seed')!], [...SEED]);
  const bare = must(checkTree({ harts: 1, ramSize: 64 * MiB }), '/chosen');
  assert.equal(bare.props.has('bootargs'), false);
  assert.equal(bare.props.has('linux,initrd-start'), false);
  assert.equal(bare.props.get('rng-seed')!.length, 64, 'random seed by default');
});

test('default rng-seed differs between builds', () => {
  const seed = (): string => Buffer.from(findNode(parseFdt(buildVirtDtb({ harts: 1, ramSize: MiB })).root, '/chosen')!.props.get('rng-seed')!).toString('hex');
  assert.notEqual(seed(), seed());
});

test('no virtio slots: no virtio nodes; ISA and MMU type are configurable', () => {
  const root = checkTree({ harts: 2, ramSize: 128 * MiB, rngSeed: SEED });
  assert.equal(isaString(['i', 'm', 'a', 'c', 'zicsr']), 'rv64imac_zicsr');
  const custom = parseFdt(buildVirtDtb({ harts: 1, ramSize: MiB, isaExtensions: ['i', 'm', 'a', 'c', 'zicsr'], mmuType: 'riscv,sv39' })).root;
  const cpu = must(custom, '/cpus/cpu@0');
  assert.equal(str(cpu, 'riscv,isa'), 'rv64imac_zicsr');
  assert.deepEqual(strs(cpu, 'riscv,isa-extensions'), ['i', 'm', 'a', 'c', 'zicsr']);
  assert.equal(str(cpu, 'mmu-type'), 'riscv,sv39');
  assert.equal(must(root, '/soc').children.some((c) => c.name.startsWith('virtio')), false);
});

test('padding for in-place edits by firmware', () => {
  const blob = buildVirtDtb({ harts: 1, ramSize: MiB, minTotalSize: 64 * 1024 });
  assert.equal(blob.length, 64 * 1024);
  assert.equal(parseFdt(blob).totalSize, 64 * 1024);
});

test('bad configurations are rejected at construction', () => {
  const ok: VirtDtbConfig = { harts: 1, ramSize: MiB };
  assert.throws(() => buildVirtDtb({ ...ok, harts: 0 }), RangeError);
  assert.throws(() => buildVirtDtb({ ...ok, harts: 513 }), RangeError);
  assert.throws(() => buildVirtDtb({ ...ok, harts: 1.5 }), RangeError);
  assert.throws(() => buildVirtDtb({ ...ok, ramSize: 0 }), RangeError);
  assert.throws(() => buildVirtDtb({ ...ok, virtioSlots: [8] }), RangeError);
  assert.throws(() => buildVirtDtb({ ...ok, virtioSlots: [1, 1] }), RangeError);
  assert.throws(() => buildVirtDtb({ ...ok, initrd: { start: 10, end: 5 } }), RangeError);
});

// ---- comparison with QEMU's own DTB ------------------------------------------------------

/** Nodes QEMU has that hv deliberately does not provide. */
const QEMU_ONLY_NODES = [/^\/pmu$/, /^\/fw-cfg@/, /^\/flash@/, /^\/platform-bus@/, /^\/soc\/pci@/];
/** Properties compared by value after resolving phandles to node paths. */
const PHANDLE_PROPS = new Set(['interrupt-parent', 'regmap', 'cpu']);
/** Properties whose values differ on purpose (see fdt.ts header). */
const DIFFERENT_ON_PURPOSE = new Set(['riscv,isa', 'rng-seed', 'riscv,ndev', 'phandle']);
/** Properties hv adds that QEMU 7.2 does not emit. */
const HV_ONLY_PROPS = new Set(['riscv,isa-base', 'riscv,isa-extensions', 'interrupt-controller:#address-cells']);
/** Properties QEMU may emit (depending on version/CPU model) that hv does not. */
const QEMU_ONLY_PROPS = new Set(['riscv,cbom-block-size', 'riscv,cboz-block-size', 'riscv,cbop-block-size', 'numa-node-id', 'riscv,isa-base', 'riscv,isa-extensions']);

function normalised(root: ParsedNode, n: ParsedNode, prop: string): string {
  const v = n.props.get(prop)!;
  if (prop === 'interrupts-extended') return resolveExtended(root, n).join(' ');
  if (PHANDLE_PROPS.has(prop)) return phandleMap(root).get(propU32s(v)[0]!) ?? '?';
  return Buffer.from(v).toString('hex');
}

function qemuDtb(harts: number, bootargs: string): Uint8Array {
  return withTmp((dir) => {
    const out = join(dir, 'q.dtb');
    const kernel = join(dir, 'k.bin'); // -append needs -kernel; the image is never run
    writeFileSync(kernel, new Uint8Array(4096));
    const r = spawnSync('qemu-system-riscv64', [
      '-M', `virt,dumpdtb=${out}`, '-smp', String(harts), '-m', '256M', '-display', 'none',
      '-kernel', kernel, '-append', bootargs,
    ], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return new Uint8Array(readFileSync(out));
  });
}

for (const harts of [1, 2, 4, 8]) {
  test(`matches QEMU's -M virt DTB for ${harts} hart(s): node names, compatibles, regs, interrupts`, { skip: NO_QEMU }, () => {
    const bootargs = 'console=ttyS0 earlycon';
    const q = parseFdt(qemuDtb(harts, bootargs)).root;
    const h = parseFdt(buildVirtDtb({ harts, ramSize: 256 * MiB, bootargs, virtioSlots: [0, 1, 2, 3, 4, 5, 6, 7], rngSeed: SEED })).root;
    const qPaths = new Set<string>();
    walkNodes(q, (_n, p) => qPaths.add(p));
    const hPaths = new Set<string>();
    walkNodes(h, (_n, p) => hPaths.add(p));
    for (const p of hPaths) assert.ok(qPaths.has(p), `hv node ${p} does not exist in QEMU's DTB`);
    for (const p of qPaths) {
      if (QEMU_ONLY_NODES.some((re) => re.test(p))) continue;
      assert.ok(hPaths.has(p), `QEMU node ${p} missing from hv's DTB`);
    }
    let compared = 0;
    walkNodes(h, (hn, p) => {
      const qn = findNode(q, p)!;
      for (const prop of hn.props.keys()) {
        if (HV_ONLY_PROPS.has(prop) || HV_ONLY_PROPS.has(`${hn.name}:${prop}`)) continue;
        assert.ok(qn.props.has(prop), `${p}: QEMU has no ${prop}`);
        if (DIFFERENT_ON_PURPOSE.has(prop)) continue;
        assert.equal(normalised(h, hn, prop), normalised(q, qn, prop), `${p}: ${prop}`);
        compared++;
      }
      for (const prop of qn.props.keys()) {
        if (QEMU_ONLY_PROPS.has(prop)) continue;
        assert.ok(hn.props.has(prop), `${p}: hv lacks QEMU's ${prop}`);
      }
    });
    assert.ok(compared > 60, `compared ${compared} properties`);
    // riscv,ndev: QEMU 7.2 wrote VIRT_IRQCHIP_NUM_SOURCES (96), newer QEMU writes 95 like hv.
    const qNdev = u32s(must(q, '/soc/plic@c000000'), 'riscv,ndev')[0];
    assert.ok(qNdev === 95 || qNdev === 96, `QEMU riscv,ndev ${qNdev}`);
  });
}
