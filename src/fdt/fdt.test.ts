/**
 * Tests for the FDT writer/parser against the Devicetree Specification v0.4 chapter 5, and
 * against the reference implementation (dtc) when it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { node, prop, Phandles } from './builder.js';
import { writeFdt } from './writer.js';
import { findNode, parseFdt, propString, propStrings, propU32s, walkNodes } from './parser.js';
import { FdtError, FDT_MAGIC } from './format.js';

const HAVE_DTC = spawnSync('dtc', ['--version'], { stdio: 'ignore' }).status === 0;
const NO_DTC = HAVE_DTC ? false : 'dtc (device-tree-compiler) is not installed: apt-get install device-tree-compiler';

/** Runs dtc on `input` (written to a temp file); returns stdout bytes, stderr and status. */
function dtc(args: string[], input: Uint8Array | string): { out: Buffer; err: string; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'hv-fdt-'));
  try {
    const inFile = join(dir, 'in');
    const outFile = join(dir, 'out');
    writeFileSync(inFile, input);
    const r = spawnSync('dtc', [...args, '-o', outFile, inFile], { encoding: 'utf8' });
    let out = Buffer.alloc(0);
    try { out = readFileSync(outFile); } catch { /* no output on failure */ }
    return { out, err: r.stderr, status: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function u32be(b: Uint8Array, off: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(off);
}

function sampleTree(): ReturnType<typeof node> {
  const ph = new Phandles();
  const intc = ph.get('intc');
  return node('', {
    '#address-cells': prop.u32(2),
    '#size-cells': prop.u32(2),
    compatible: prop.strings('acme,board', 'simple-board'),
    model: prop.string('ACME test'),
  }, [
    node('chosen', { bootargs: prop.string('console=ttyS0 root=/dev/vda'), skipped: undefined }),
    node('memory@80000000', { device_type: prop.string('memory'), reg: prop.u64(0x8000_0000, 0x1000_0000) }),
    node('intc', { phandle: prop.u32(intc), 'interrupt-controller': prop.empty(), '#interrupt-cells': prop.u32(1), '#address-cells': prop.u32(0) }),
    node('dev@1000', {
      reg: prop.reg(2, 2, [[0x1000, 0x100]]),
      'interrupts-extended': prop.u32(intc, 5),
      blob: prop.bytes(Uint8Array.of(1, 2, 3)),
    }),
    false,
  ]);
}

test('header follows §5.2: magic, versions, aligned offsets, sizes that add up', () => {
  const blob = writeFdt(sampleTree(), { bootCpuidPhys: 3 });
  assert.equal(u32be(blob, 0), FDT_MAGIC);
  assert.equal(u32be(blob, 4), blob.length, 'totalsize');
  const offStruct = u32be(blob, 8);
  const offStrings = u32be(blob, 12);
  const offRsv = u32be(blob, 16);
  assert.equal(u32be(blob, 20), 17, 'version');
  assert.equal(u32be(blob, 24), 16, 'last_comp_version');
  assert.equal(u32be(blob, 28), 3, 'boot_cpuid_phys');
  const sizeStrings = u32be(blob, 32);
  const sizeStruct = u32be(blob, 36);
  assert.equal(offRsv % 8, 0);
  assert.equal(offStruct % 4, 0);
  assert.ok(offRsv >= 40 && offStruct >= offRsv + 16 && offStrings === offStruct + sizeStruct);
  assert.equal(offStrings + sizeStrings, blob.length);
  // Structure block starts with FDT_BEGIN_NODE for the root (empty name, padded) and ends with FDT_END.
  assert.equal(u32be(blob, offStruct), 1);
  assert.equal(u32be(blob, offStruct + 4), 0);
  assert.equal(u32be(blob, offStruct + sizeStruct - 4), 9);
  assert.equal(u32be(blob, offStruct + sizeStruct - 8), 2);
});

test('round trip through our parser keeps names, order and values', () => {
  const blob = writeFdt(sampleTree());
  const fdt = parseFdt(blob);
  assert.deepEqual(fdt.root.children.map((c) => c.name), ['chosen', 'memory@80000000', 'intc', 'dev@1000']);
  assert.deepEqual([...fdt.root.props.keys()], ['#address-cells', '#size-cells', 'compatible', 'model']);
  assert.deepEqual(propStrings(fdt.root.props.get('compatible')!), ['acme,board', 'simple-board']);
  assert.equal(propString(fdt.root.props.get('model')!), 'ACME test');
  const chosen = findNode(fdt.root, '/chosen')!;
  assert.equal(propString(chosen.props.get('bootargs')!), 'console=ttyS0 root=/dev/vda');
  assert.equal(chosen.props.has('skipped'), false, 'undefined props are dropped');
  assert.deepEqual(propU32s(findNode(fdt.root, '/memory@80000000')!.props.get('reg')!), [0, 0x8000_0000, 0, 0x1000_0000]);
  const intc = findNode(fdt.root, '/intc')!;
  assert.equal(intc.props.get('interrupt-controller')!.length, 0);
  const dev = findNode(fdt.root, '/dev@1000')!;
  assert.deepEqual(propU32s(dev.props.get('reg')!), [0, 0x1000, 0, 0x100]);
  assert.deepEqual(propU32s(dev.props.get('interrupts-extended')!), [propU32s(intc.props.get('phandle')!)[0], 5]);
  assert.deepEqual([...dev.props.get('blob')!], [1, 2, 3]);
  const paths: string[] = [];
  walkNodes(fdt.root, (_n, p) => paths.push(p));
  assert.deepEqual(paths, ['/', '/chosen', '/memory@80000000', '/intc', '/dev@1000']);
});

test('strings block stores each property name once', () => {
  const tree = node('', { a: prop.u32(1) }, [node('x', { a: prop.u32(2), bb: prop.empty() }), node('y', { a: prop.u32(3), bb: prop.empty() })]);
  const blob = writeFdt(tree);
  const offStrings = u32be(blob, 12);
  const sizeStrings = u32be(blob, 32);
  const text = new TextDecoder().decode(blob.subarray(offStrings, offStrings + sizeStrings));
  assert.equal(text, 'a\0bb\0');
});

test('memory reservation entries, boot cpu and padding round-trip', () => {
  const blob = writeFdt(node(''), {
    memReserve: [{ address: 0x8000_0000n, size: 0x20_0000n }, { address: 0x1_0000_0000n, size: 0x1000n }],
    bootCpuidPhys: 1,
    minTotalSize: 4096,
  });
  assert.equal(blob.length, 4096);
  const fdt = parseFdt(blob);
  assert.equal(fdt.totalSize, 4096);
  assert.equal(fdt.bootCpuidPhys, 1);
  assert.deepEqual(fdt.memReserve, [{ address: 0x8000_0000n, size: 0x20_0000n }, { address: 0x1_0000_0000n, size: 0x1000n }]);
});

test('value encoders are big-endian and exact', () => {
  assert.deepEqual([...prop.u32(0x01020304)], [1, 2, 3, 4]);
  assert.deepEqual([...prop.u64(0x1_0000_0002n)], [0, 0, 0, 1, 0, 0, 0, 2]);
  assert.deepEqual([...prop.string('ab')], [0x61, 0x62, 0]);
  assert.deepEqual([...prop.strings('a', '', 'b')], [0x61, 0, 0, 0x62, 0]);
  assert.deepEqual(propU32s(prop.reg(1, 1, [[0x10, 0x20], [0x30, 0x40]])), [0x10, 0x20, 0x30, 0x40]);
  assert.deepEqual(propU32s(prop.reg(2, 1, [[0x1_0000_0000n, 0x20]])), [1, 0, 0x20]);
  assert.throws(() => prop.u32(-1), FdtError);
  assert.throws(() => prop.u32(2 ** 32), FdtError);
  assert.throws(() => prop.u32(1.5), FdtError);
  assert.throws(() => prop.u64(-1), FdtError);
  assert.throws(() => prop.reg(1, 1, [[2 ** 32, 1]]), FdtError);
  assert.throws(() => prop.string('a\0b'), FdtError);
});

test('writer rejects trees that violate the spec', () => {
  assert.throws(() => writeFdt(node('root')), /root node/);
  assert.throws(() => writeFdt(node('', {}, [node('')])), /invalid node name/);
  assert.throws(() => writeFdt(node('', {}, [node('bad name')])), /invalid node name/);
  assert.throws(() => writeFdt(node('', {}, [node('x@')])), /unit address/);
  assert.throws(() => writeFdt(node('', {}, [node('a'.repeat(32))])), /invalid node name/);
  assert.throws(() => writeFdt(node('', {}, [node('dup'), node('dup')])), /duplicate child/);
  assert.throws(() => writeFdt(node('', [{ name: 'p', value: prop.empty() }, { name: 'p', value: prop.empty() }])), /duplicate property/);
  assert.throws(() => writeFdt(node('', { 'bad prop': prop.empty() })), /invalid property name/);
  assert.throws(() => writeFdt(node('', {}, [node('a', { phandle: prop.u32(1) }), node('b', { phandle: prop.u32(1) })])), /phandle 1/);
  assert.throws(() => writeFdt(node('', { phandle: prop.u32(0) })), /invalid phandle/);
});

test('parser rejects malformed blobs', () => {
  const good = writeFdt(sampleTree());
  assert.throws(() => parseFdt(good.subarray(0, 20)), FdtError);
  const badMagic = good.slice();
  badMagic[0] = 0;
  assert.throws(() => parseFdt(badMagic), /bad magic/);
  assert.throws(() => parseFdt(good.subarray(0, good.length - 4)), /totalsize/);
  const badToken = good.slice();
  new DataView(badToken.buffer).setUint32(u32be(good, 8) + 8, 0x77); // first token after root name
  assert.throws(() => parseFdt(badToken), /unexpected token/);
  const badNameOff = good.slice();
  // First property of the root: token @+8, len @+12, nameoff @+16.
  new DataView(badNameOff.buffer).setUint32(u32be(good, 8) + 16, 0xffff);
  assert.throws(() => parseFdt(badNameOff), /name offset/);
});

test('phandle allocator: unique, non-zero, stable per label', () => {
  const ph = new Phandles();
  const a = ph.get('a');
  const b = ph.next();
  assert.notEqual(a, 0);
  assert.notEqual(a, b);
  assert.equal(ph.get('a'), a);
  assert.notEqual(ph.get('c'), b);
});

test('dtc decompiles our blob without errors or warnings', { skip: NO_DTC }, () => {
  const r = dtc(['-I', 'dtb', '-O', 'dts'], writeFdt(sampleTree(), { memReserve: [{ address: 0x8000_0000n, size: 0x1000n }] }));
  assert.equal(r.status, 0, r.err);
  assert.equal(r.err, '', 'dtc printed warnings');
  const dts = r.out.toString('utf8');
  assert.match(dts, /\/memreserve\/\s+0x0*80000000 0x0*1000;/);
  assert.match(dts, /compatible = "acme,board\\0simple-board";/);
  assert.match(dts, /bootargs = "console=ttyS0 root=\/dev\/vda";/);
  assert.match(dts, /memory@80000000 \{/);
  assert.match(dts, /interrupt-controller;/);
  assert.match(dts, /blob = \[01 02 03\];/);
});

test('dtc recompiles our blob to an equivalent tree; we parse dtc-made blobs', { skip: NO_DTC }, () => {
  const ours = writeFdt(sampleTree());
  const dts = dtc(['-I', 'dtb', '-O', 'dts'], ours);
  assert.equal(dts.status, 0, dts.err);
  const theirs = dtc(['-I', 'dts', '-O', 'dtb'], dts.out);
  assert.equal(theirs.status, 0, theirs.err);
  const a = parseFdt(ours);
  const b = parseFdt(new Uint8Array(theirs.out));
  const flatten = (f: ReturnType<typeof parseFdt>): Array<[string, string, string]> => {
    const out: Array<[string, string, string]> = [];
    walkNodes(f.root, (n, p) => { for (const [k, v] of n.props) out.push([p, k, Buffer.from(v).toString('hex')]); });
    return out;
  };
  assert.deepEqual(flatten(b), flatten(a));
});

test('parser reads a blob written by dtc from source', { skip: NO_DTC }, () => {
  const src = '/dts-v1/;\n/memreserve/ 0x1000 0x2000;\n/ { #address-cells = <1>; n@5 { reg = <5>; s = "x", "yz"; e; b = [ab cd]; }; };\n';
  const r = dtc(['-I', 'dts', '-O', 'dtb'], src);
  assert.equal(r.status, 0, r.err);
  const f = parseFdt(new Uint8Array(r.out));
  assert.deepEqual(f.memReserve, [{ address: 0x1000n, size: 0x2000n }]);
  const n = findNode(f.root, '/n@5')!;
  assert.deepEqual(propU32s(n.props.get('reg')!), [5]);
  assert.deepEqual(propStrings(n.props.get('s')!), ['x', 'yz']);
  assert.equal(n.props.get('e')!.length, 0);
  assert.deepEqual([...n.props.get('b')!], [0xab, 0xcd]);
});
