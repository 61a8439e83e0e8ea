/**
 * The synchronous page-cache read path (BlockBackend.readNow): the native preadv2(RWF_NOWAIT) helper, and
 * raw and qcow2 images (data, zero and unallocated clusters, backing files, compressed clusters, L2 tables
 * not yet cached, metadata being changed). Every successful readNow must give exactly what read() gives.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, constants } from 'node:os';
import { join } from 'node:path';
import type { BlockBackend } from '../../devices/virtio/blk/backend.js';
import { loadNativeHelper } from '../native.js';
import { createImage } from './create.js';
import { openDisk } from './open.js';
import { viewsSlice } from './io.js';

const helper = loadNativeHelper();
const NO_HELPER = helper?.preadNowait === undefined ? 'native helper not built' : false;
const HAVE_QEMU_IMG = spawnSync('qemu-img', ['--version']).status === 0;
const MiB = 1024 * 1024;
let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'hv-readnow-')); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** `count` views of `size` bytes on one SharedArrayBuffer (like guest RAM), in scattered order. */
function scattered(count: number, size: number): Uint8Array[] {
  const sab = new SharedArrayBuffer(count * size * 2);
  return Array.from({ length: count }, (_, i) => new Uint8Array(sab, ((i * 7) % (count * 2)) * size, size));
}
const joined = (views: readonly Uint8Array[]): Buffer => Buffer.concat(views.map((v) => Buffer.from(v)));

/** readNow into scattered views; on success the bytes must equal read(). Returns whether it succeeded. */
async function readNowMatches(b: BlockBackend, offset: number, len: number, viewSize = 4096): Promise<boolean> {
  const views = scattered(len / viewSize, viewSize);
  for (const v of views) v.fill(0xee);
  const ok = b.readNow!(offset, views);
  if (ok) {
    const want = new Uint8Array(len);
    await b.read(offset, want);
    assert.ok(joined(views).equals(want), `readNow(${offset}, ${len}) differs from read()`);
  }
  return ok;
}

test('native preadNowait: cached bytes into many views, short at end of file, -errno on a bad descriptor', { skip: NO_HELPER }, () => {
  const f = join(dir, 'plain.bin');
  const data = randomBytes(MiB + 1000);
  writeFileSync(f, data); // just written: in the page cache
  const fd = openSync(f, 'r');
  try {
    const views = scattered(300, 4096); // more views than one preadv2 call takes
    assert.equal(helper!.preadNowait!(fd, views, 0), MiB + 1000, 'short read at the end of the file');
    assert.ok(joined(views).subarray(0, MiB + 1000).equals(data));
    const mid = scattered(4, 512);
    assert.equal(helper!.preadNowait!(fd, mid, 12345), 2048);
    assert.ok(joined(mid).equals(data.subarray(12345, 12345 + 2048)));
    assert.equal(helper!.preadNowait!(fd, [], 0), 0);
  } finally { closeSync(fd); }
  assert.equal(helper!.preadNowait!(fd, scattered(1, 512), 0), -constants.errno.EBADF);
  assert.throws(() => helper!.preadNowait!(-1, [], 0), TypeError);
  assert.throws(() => helper!.preadNowait!(0, [new Uint16Array(4) as unknown as Uint8Array], 0), TypeError);
});

test('raw: readNow gives what read() gives, and refuses ranges outside the disk and a closed image', { skip: NO_HELPER }, async () => {
  const f = join(dir, 'disk.raw');
  await createImage({ path: f, format: 'raw', size: 4 * MiB });
  const { backend: b } = await openDisk({ path: f, format: 'raw' });
  await b.write(MiB, randomBytes(MiB));
  assert.equal(await readNowMatches(b, MiB, MiB), true);
  assert.equal(await readNowMatches(b, MiB + 512, 64 * 1024, 512), true);
  assert.equal(b.readNow!(4 * MiB - 512, scattered(2, 512)), false, 'past the end of the disk');
  assert.equal(b.readNow!(-512, scattered(1, 512)), false);
  await b.close();
  assert.equal(b.readNow!(MiB, scattered(1, 512)), false, 'closed');
});

test('qcow2: readNow over data, zero and unallocated clusters and a backing file; false until the L2 table is cached', { skip: NO_HELPER }, async () => {
  const base = join(dir, 'base.qcow2'), top = join(dir, 'top.qcow2');
  await createImage({ path: base, format: 'qcow2', size: 8 * MiB });
  {
    const { backend: b } = await openDisk({ path: base, format: 'qcow2' });
    await b.write(0, randomBytes(4 * MiB));
    await b.close();
  }
  await createImage({ path: top, format: 'qcow2', backing: base, backingFormat: 'qcow2' });
  const { backend: b } = await openDisk({ path: top, format: 'qcow2' });
  try {
    assert.equal(b.readNow!(0, scattered(16, 4096)), false, 'no L2 table of the overlay cached yet: read() must load it');
    await b.write(64 * 1024, randomBytes(200 * 1024)); // allocates in the overlay (copy-on-write of partial clusters)
    await b.writeZeroes(512 * 1024, 128 * 1024, false); // zero clusters
    // Overlay data, backing data (through the base's own readNow), zero clusters, and past the base's data.
    assert.equal(await readNowMatches(b, 0, MiB), true);
    assert.equal(await readNowMatches(b, 6 * MiB, MiB), true, 'unallocated in both: zeros');
    assert.equal(await readNowMatches(b, 60 * 1024, 8 * 1024, 512), true, 'a range across a cluster boundary');
    // While a writer holds or waits for the metadata lock (a flush writes tables back), readNow stays out.
    const f = b.flush();
    assert.equal(b.readNow!(0, scattered(1, 4096)), false, 'metadata being changed');
    await f;
    await b.write(7 * MiB, randomBytes(64 * 1024));
    assert.equal(await readNowMatches(b, 7 * MiB, 64 * 1024), true);
  } finally { await b.close(); }
});

test('qcow2: a compressed cluster is read at once only once inflated', { skip: NO_HELPER || (HAVE_QEMU_IMG ? false : 'qemu-img not installed (Debian qemu-utils)') }, async () => {
  const raw = join(dir, 'c.raw'), comp = join(dir, 'c.qcow2');
  writeFileSync(raw, Buffer.concat([Buffer.alloc(64 * 1024, 'hv compressed '), randomBytes(64 * 1024)]));
  const r = spawnSync('qemu-img', ['convert', '-c', '-O', 'qcow2', raw, comp], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const { backend: b } = await openDisk({ path: comp, format: 'qcow2' });
  try {
    await b.read(64 * 1024, new Uint8Array(512)); // caches the L2 table, inflates the second cluster only
    assert.equal(b.readNow!(0, scattered(1, 4096)), false, 'first cluster not inflated yet');
    await b.read(0, new Uint8Array(512));
    assert.equal(await readNowMatches(b, 0, 128 * 1024), true);
  } finally { await b.close(); }
});

test('viewsSlice: a byte range of several views as subarrays', () => {
  const v = [new Uint8Array([0, 1, 2]), new Uint8Array([3, 4]), new Uint8Array([5, 6, 7, 8])];
  assert.deepEqual(viewsSlice(v, 2, 4).map((x) => [...x]), [[2], [3, 4], [5]]);
  assert.deepEqual(viewsSlice(v, 5, 10).map((x) => [...x]), [[5, 6, 7, 8]]);
  assert.deepEqual(viewsSlice(v, 9, 1), []);
});
