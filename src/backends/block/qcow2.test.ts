/**
 * The qcow2 backend against images made by QEMU's own tools (Debian qemu-utils: qemu-img, qemu-io):
 * v2 and v3, compressed clusters, small clusters with 1- and 64-bit refcounts, overlays on qcow2
 * and raw bases, zero clusters, internal snapshots. hv must read what qemu-img reads, and after hv
 * writes, `qemu-img check` must find no errors and `qemu-img convert` must read what hv wrote.
 * Also: refcount-table growth, crash consistency (a copy of the file taken at any moment has at
 * worst leaked clusters), open errors, and a fuzz of whole mutated image files.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../../base/errors.js';
import { BlockError, type BlockBackend } from '../../devices/virtio/blk/backend.js';
import { openDisk } from './open.js';
import { createImage, convertRawToQcow2 } from './create.js';
import { Qcow2Backend } from './qcow2.js';

const HAVE_QEMU = spawnSync('qemu-img', ['--version']).status === 0 && spawnSync('qemu-io', ['--version']).status === 0;
const MiB = 1024 * 1024;
let dir = '';

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const p = (f: string): string => join(dir, f);
/** `qemu-img check` → exit status (0 clean, 2 corrupt, 3 leaks only) and output. */
function check(f: string): { status: number | null; out: string } {
  const r = spawnSync('qemu-img', ['check', p(f)], { encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}`.split('\n').slice(0, 6).join('\n') };
}
/** The image's guest-visible bytes as qemu-img reads them. */
function qemuRead(f: string): Buffer {
  rmSync(p('conv.raw'), { force: true });
  sh('qemu-img', ['convert', '-O', 'raw', p(f), p('conv.raw')]);
  return readFileSync(p('conv.raw'));
}
const sha = (f: string): string => createHash('sha256').update(readFileSync(p(f))).digest('hex');

/** A deterministic PRNG (mulberry32) so failures replay. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

/** Random writes, write-zeroes and discards through `b`, mirrored in `model`. */
async function churn(b: BlockBackend, model: Buffer, ops: number, seed: number): Promise<void> {
  const rnd = prng(seed);
  const sectors = b.capacity / 512;
  for (let k = 0; k < ops; k++) {
    const len = (1 + rnd(300)) * 512;
    const off = rnd(sectors - len / 512) * 512;
    const op = rnd(10);
    if (op < 7) {
      const data = randomBytes(len);
      await b.write(off, data);
      data.copy(model, off);
    } else if (op < 9) {
      await b.writeZeroes(off, len, op === 7);
      model.fill(0, off, off + len);
    } else {
      await b.discard(off, len); // contents become unspecified: take what hv now reads
      const t = Buffer.alloc(len);
      await b.read(off, t);
      t.copy(model, off);
    }
    if (k % 41 === 0) await b.flush();
  }
}

describe('qcow2 backend vs qemu-img', { skip: HAVE_QEMU ? false : 'qemu-img/qemu-io not installed (Debian qemu-utils)' }, () => {
  const SRC = 16 * MiB;
  let src: Buffer;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'hv-qcow2-'));
    // Random clusters, zero holes, and a compressible run.
    src = Buffer.alloc(SRC);
    const rnd = prng(7);
    for (let i = 0; i < SRC; i += 65536) if (rnd(3) !== 0) randomBytes(65536).copy(src, i);
    src.fill(0x55, 3 * MiB, 4 * MiB);
    writeFileSync(p('src.raw'), src);
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const images: [string, string[][]][] = [
    ['v3', [['qemu-img', 'convert', '-O', 'qcow2', 'src.raw', 'v3.qcow2']]],
    ['v2', [['qemu-img', 'convert', '-O', 'qcow2', '-o', 'compat=0.10', 'src.raw', 'v2.qcow2']]],
    ['compressed v3', [['qemu-img', 'convert', '-c', '-O', 'qcow2', 'src.raw', 'cv3.qcow2']]],
    ['compressed v2', [['qemu-img', 'convert', '-c', '-O', 'qcow2', '-o', 'compat=0.10', 'src.raw', 'cv2.qcow2']]],
    ['512-byte clusters, 1-bit refcounts', [['qemu-img', 'convert', '-O', 'qcow2', '-o', 'cluster_size=512,refcount_bits=1', 'src.raw', 'c512.qcow2']]],
    ['4 KiB clusters, 64-bit refcounts', [['qemu-img', 'convert', '-O', 'qcow2', '-o', 'cluster_size=4096,refcount_bits=64', 'src.raw', 'r64.qcow2']]],
    ['overlay on qcow2 (with qemu-io writes and zero clusters)', [
      ['qemu-img', 'convert', '-O', 'qcow2', 'src.raw', 'base.qcow2'],
      ['qemu-img', 'create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2', 'ov.qcow2'],
      ['qemu-io', '-c', 'write -P 0x77 1M 100k', '-c', 'write -z 5M 256k', '-c', 'write -P 0x12 9000k 3k', 'ov.qcow2'],
    ]],
    ['overlay on raw, larger than its base', [
      ['cp', 'src.raw', 'base2.raw'],
      ['qemu-img', 'create', '-f', 'qcow2', '-b', 'base2.raw', '-F', 'raw', 'ovraw.qcow2', '20M'],
    ]],
    ['chain of three', [
      ['qemu-img', 'convert', '-O', 'qcow2', 'src.raw', 'c0.qcow2'],
      ['qemu-img', 'create', '-f', 'qcow2', '-b', 'c0.qcow2', '-F', 'qcow2', 'c1.qcow2'],
      ['qemu-io', '-c', 'write -P 0x31 2M 1M', 'c1.qcow2'],
      ['qemu-img', 'create', '-f', 'qcow2', '-b', 'c1.qcow2', '-F', 'qcow2', 'c2.qcow2'],
      ['qemu-io', '-c', 'write -P 0x32 2500k 10k', 'c2.qcow2'],
    ]],
    ['internal snapshot', [
      ['qemu-img', 'convert', '-O', 'qcow2', 'src.raw', 'snap.qcow2'],
      ['qemu-img', 'snapshot', '-c', 's1', 'snap.qcow2'],
    ]],
  ];

  for (const [i, [name, cmds]] of images.entries()) {
    test(`${name}: hv reads what qemu-img reads; after hv writes, qemu-img check is clean and reads what hv wrote`, async () => {
      for (const c of cmds) sh(c[0]!, c.slice(1));
      const file = cmds[cmds.length - 1]!.find((a) => a.endsWith('.qcow2') && !a.startsWith('base'))!;
      const file2 = cmds.flat().filter((a) => a.endsWith('.qcow2')).pop()!;
      const f = cmds.length === 1 ? file : file2;
      const bases = cmds.flat().filter((a) => /^(base|c0|c1)/.test(a) && a !== f).filter((a, k, all) => all.indexOf(a) === k && existsSync(p(a)));
      const baseHashes = bases.map(sha);
      const expect = qemuRead(f);
      const { backend: b } = await openDisk({ path: p(f) });
      try {
        const got = Buffer.alloc(b.capacity);
        await b.read(0, got);
        assert.ok(got.equals(expect.subarray(0, b.capacity)), 'hv reads what qemu-img reads');
        const model = Buffer.from(expect);
        await churn(b, model, 150, 100 + i);
        const live = Buffer.alloc(b.capacity);
        await b.read(0, live);
        assert.ok(live.equals(model.subarray(0, b.capacity)), 'hv reads back what it wrote');
      } finally {
        await b.close();
      }
      const c = check(f);
      assert.equal(c.status, 0, c.out);
      const model2 = Buffer.alloc(0);
      void model2;
      assert.deepEqual(bases.map(sha), baseHashes, 'backing files unchanged');
      if (f === 'snap.qcow2') {
        sh('qemu-img', ['snapshot', '-a', 's1', p(f)]);
        assert.ok(qemuRead(f).equals(expect), 'the internal snapshot still holds the original data');
        assert.equal(check(f).status, 0);
      }
    });
  }

  test('hv-created images and overlays pass qemu-img check; overlays are instant and copy-on-write', async () => {
    const t0 = Date.now();
    await createImage({ path: p('new.qcow2'), format: 'qcow2', size: 64 * MiB });
    await createImage({ path: p('ov2.qcow2'), format: 'qcow2', backing: p('v3.qcow2') }); // absolute: stored as given
    await createImage({ path: p('new.raw'), format: 'raw', size: 64 * MiB });
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(check('new.qcow2').status, 0);
    assert.equal(check('ov2.qcow2').status, 0);
    assert.match(sh('qemu-img', ['info', p('ov2.qcow2')]), /backing file: \S*v3\.qcow2\n[\s\S]*backing file format: qcow2/);
    assert.ok(statSync(p('new.raw')).blocks * 512 < MiB, 'raw images are sparse');
    assert.equal(statSync(p('new.raw')).size, 64 * MiB);
    await assert.rejects(createImage({ path: p('new.qcow2'), format: 'qcow2', size: MiB }), /already exists/);
    const baseHash = sha('v3.qcow2');
    const { backend: b } = await openDisk({ path: p('ov2.qcow2') });
    const data = randomBytes(4096);
    await b.write(65536 + 1024, data); // a partial cluster: the rest is copied from the base
    await b.close();
    assert.equal(sha('v3.qcow2'), baseHash);
    assert.equal(check('ov2.qcow2').status, 0);
    const view = qemuRead('ov2.qcow2');
    const base = qemuRead('v3.qcow2');
    assert.ok(view.subarray(65536 + 1024, 65536 + 1024 + 4096).equals(data));
    assert.ok(view.subarray(65536, 65536 + 1024).equals(base.subarray(65536, 65536 + 1024)), 'head of the cluster from the base');
    assert.ok(view.subarray(65536 + 5120, 131072).equals(base.subarray(65536 + 5120, 131072)), 'tail of the cluster from the base');
    // raw → qcow2 conversion (hv image build's last step).
    await convertRawToQcow2(p('src.raw'), p('conv.qcow2'));
    assert.equal(check('conv.qcow2').status, 0);
    assert.ok(qemuRead('conv.qcow2').equals(src));
  });

  test('refcount table growth and crash consistency: copies taken without a flush have only leaks', async () => {
    await createImage({ path: p('grow.qcow2'), format: 'qcow2', size: 48 * MiB, clusterBits: 9 });
    const { backend: b } = await openDisk({ path: p('grow.qcow2') });
    const model = Buffer.alloc(48 * MiB);
    const d1 = randomBytes(20 * MiB);
    await b.write(0, d1);
    d1.copy(model, 0);
    await b.flush();
    const flushed = Buffer.from(model);
    copyFileSync(p('grow.qcow2'), p('crash1.qcow2'));
    const d2 = randomBytes(20 * MiB);
    await b.write(24 * MiB, d2);
    await b.discard(0, 4 * MiB);
    copyFileSync(p('grow.qcow2'), p('crash2.qcow2'));
    await b.close();
    const c = check('grow.qcow2');
    assert.equal(c.status, 0, c.out);
    for (const f of ['crash1.qcow2', 'crash2.qcow2']) {
      const r = check(f);
      assert.ok(r.status === 0 || r.status === 3, `${f}: only leaks allowed:\n${r.out}`);
    }
    assert.ok(qemuRead('crash1.qcow2').equals(flushed), 'everything flushed survives');
    assert.ok(qemuRead('crash2.qcow2').subarray(4 * MiB, 20 * MiB).equals(flushed.subarray(4 * MiB, 20 * MiB)));
    d2.copy(model, 24 * MiB);
    assert.ok(qemuRead('grow.qcow2').subarray(24 * MiB).equals(model.subarray(24 * MiB)));
  });

  test('open errors: bad magic, truncation, backing loops and missing bases, dirty and corrupt images', async () => {
    const expectUserError = async (f: () => Promise<unknown>, re: RegExp): Promise<void> => {
      await assert.rejects(f, (e: unknown) => {
        assert.ok(e instanceof UserError, `UserError expected, got ${(e as Error).stack}`);
        assert.match((e as Error).message, re);
        assert.ok(!(e as Error).message.includes('\n'));
        return true;
      });
    };
    writeFileSync(p('junk.img'), Buffer.alloc(4096, 0x41));
    await expectUserError(() => openDisk({ path: p('junk.img'), format: 'qcow2' }), /junk\.img: not a qcow2 image \(bad magic\)/);
    await expectUserError(() => openDisk({ path: p('missing.qcow2') }), /missing\.qcow2: no such file/);
    for (const cut of [50, 300, 70000, 200000]) {
      copyFileSync(p('v3.qcow2'), p('trunc.qcow2'));
      execFileSync('truncate', ['-s', String(cut), p('trunc.qcow2')]);
      const before = sha('trunc.qcow2');
      await expectUserError(() => openDisk({ path: p('trunc.qcow2') }), /trunc\.qcow2: .*(truncated|past the end|outside the file)/);
      assert.equal(sha('trunc.qcow2'), before, 'nothing written');
    }
    // a → b → a
    sh('qemu-img', ['create', '-f', 'qcow2', 'loopb.qcow2', '16M']);
    sh('qemu-img', ['create', '-f', 'qcow2', '-b', 'loopb.qcow2', '-F', 'qcow2', 'loopa.qcow2']);
    sh('qemu-img', ['rebase', '-u', '-b', 'loopa.qcow2', '-F', 'qcow2', 'loopb.qcow2']);
    const la = sha('loopa.qcow2'), lb = sha('loopb.qcow2');
    await expectUserError(() => openDisk({ path: p('loopa.qcow2') }), /loopa\.qcow2: backing file loop: .*loopa\.qcow2 → .*loopb\.qcow2 → .*loopa\.qcow2/);
    assert.deepEqual([sha('loopa.qcow2'), sha('loopb.qcow2')], [la, lb]);
    // Missing base.
    sh('qemu-img', ['create', '-u', '-f', 'qcow2', '-b', 'gone.qcow2', '-F', 'qcow2', 'orphan.qcow2', '16M']);
    await expectUserError(() => openDisk({ path: p('orphan.qcow2') }), /orphan\.qcow2: backing file .*gone\.qcow2: no such file/);
    // Dirty (lazy refcounts) images: read-only only.
    copyFileSync(p('v3.qcow2'), p('dirty.qcow2'));
    const fd = readFileSync(p('dirty.qcow2'));
    fd.writeBigUInt64BE(1n, 72);
    writeFileSync(p('dirty.qcow2'), fd);
    await expectUserError(() => openDisk({ path: p('dirty.qcow2') }), /dirty/);
    const ro = await openDisk({ path: p('dirty.qcow2'), readOnly: true });
    await ro.backend.close();
    // A corrupt L2 pointer is found at open; a corrupt L2 entry fails the I/O, not the process.
    copyFileSync(p('v3.qcow2'), p('badl1.qcow2'));
    const bl = readFileSync(p('badl1.qcow2'));
    const l1 = Number(bl.readBigUInt64BE(40));
    bl.writeBigUInt64BE((1n << 63n) | 0x7fff0000n, l1);
    writeFileSync(p('badl1.qcow2'), bl);
    await expectUserError(() => openDisk({ path: p('badl1.qcow2') }), /L1 entry 0 points outside the file/);
    copyFileSync(p('v3.qcow2'), p('badl2.qcow2'));
    const b2 = readFileSync(p('badl2.qcow2'));
    const l2 = Number(b2.readBigUInt64BE(Number(b2.readBigUInt64BE(40))) & 0x00fffffffffffe00n);
    b2.writeBigUInt64BE((1n << 63n) | 0x7ffff0000n, l2 + 8); // guest cluster 1 → far outside the file
    writeFileSync(p('badl2.qcow2'), b2);
    const bad = await openDisk({ path: p('badl2.qcow2') });
    await assert.rejects(bad.backend.read(65536, Buffer.alloc(512)), (e: unknown) => e instanceof BlockError && e.kind === 'corrupt');
    await assert.rejects(bad.backend.write(65536, Buffer.alloc(512)), (e: unknown) => e instanceof BlockError && e.kind === 'corrupt');
    await bad.backend.read(0, Buffer.alloc(512)); // other clusters still read
    await bad.backend.close();
  });

  test('fuzz: whole image files with mutated headers and tables open, read and write, or fail with UserError/BlockError', async () => {
    const seed = Number(process.env['HV_FUZZ_SEED'] ?? 4242);
    const rnd = prng(seed);
    sh('qemu-img', ['create', '-f', 'qcow2', 'fz0.qcow2', '8M']);
    sh('qemu-io', ['-c', 'write -P 0x11 0 200k', '-c', 'write -P 0x22 4M 64k', 'fz0.qcow2']);
    const orig = readFileSync(p('fz0.qcow2'));
    const n = Number(process.env['HV_FUZZ_FILE_CASES'] ?? 300);
    let opened = 0;
    for (let c = 0; c < n; c++) {
      const b = Buffer.from(orig);
      const edits = 1 + rnd(6);
      for (let e = 0; e < edits; e++) {
        // Header (first 512 bytes), refcount table/block, L1 or an L2 table: every structure gets hit.
        const region = [0, 0x10000, 0x20000, 0x30000, 0x40000][rnd(5)]!;
        const off = region + rnd(region === 0 ? 128 : 256);
        if (rnd(2)) b[off] = rnd(256); else b.writeUInt32BE([0, 1, 0xffffffff, 0x80000000, rnd(2 ** 32)][rnd(5)]!, off - (off % 4));
      }
      const cut = rnd(10) === 0 ? rnd(b.length) : b.length;
      writeFileSync(p('fz.qcow2'), b.subarray(0, cut));
      let img: BlockBackend | undefined;
      try {
        img = (await openDisk({ path: p('fz.qcow2'), format: 'qcow2' })).backend;
        opened++;
        const buf = Buffer.alloc(8192);
        for (const off of [0, 65536, 4 * MiB, img.capacity - 8192].filter((o) => o >= 0 && o + 8192 <= img!.capacity)) {
          await img.read(off, buf).catch((e: unknown) => { if (!(e instanceof BlockError)) throw e; });
          await img.write(off, buf).catch((e: unknown) => { if (!(e instanceof BlockError)) throw e; });
        }
        await img.discard(0, Math.min(img.capacity, 131072)).catch((e: unknown) => { if (!(e instanceof BlockError)) throw e; });
        await img.flush().catch((e: unknown) => { if (!(e instanceof BlockError)) throw e; });
      } catch (e) {
        if (!(e instanceof UserError) && !(e instanceof BlockError)) assert.fail(`case ${c} (seed ${seed}): ${(e as Error).stack}`);
      } finally {
        await img?.close().catch(() => {});
      }
    }
    assert.ok(opened > 0, 'some mutated images still open');
  });

  test('a probed raw image refuses a qcow2 header in sector 0; discard punches holes', async () => {
    writeFileSync(p('probe.raw'), Buffer.alloc(4 * MiB, 0x61));
    const d = await openDisk({ path: p('probe.raw') });
    assert.equal(d.format, 'raw');
    assert.equal(d.warnings.length, 1);
    const hdr = Buffer.alloc(512);
    hdr.writeUInt32BE(0x514649fb, 0);
    await assert.rejects(d.backend.write(0, hdr), (e: unknown) => e instanceof BlockError && e.kind === 'unsupported');
    await d.backend.write(512, hdr); // elsewhere is fine
    const blocks = statSync(p('probe.raw')).blocks;
    if (d.backend.canDiscard) {
      await d.backend.discard(MiB, 2 * MiB);
      await d.backend.flush();
      assert.ok(statSync(p('probe.raw')).blocks < blocks, 'space given back');
      const z = Buffer.alloc(4096);
      await d.backend.read(MiB, z);
      assert.ok(z.every((x) => x === 0));
    }
    await d.backend.close();
    const explicit = await openDisk({ path: p('probe.raw'), format: 'raw' });
    await explicit.backend.write(0, hdr); // format=raw given: allowed
    await explicit.backend.close();
    // The same file opened as qcow2 later: hv would now probe it as qcow2, as QEMU would.
    assert.equal((await openDisk({ path: p('probe.raw'), readOnly: true }).catch((e: Error) => e)) instanceof UserError, true);
    void Qcow2Backend;
  });
});
