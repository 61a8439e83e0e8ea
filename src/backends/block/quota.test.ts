/** The disk quota guard on real sparse raw and qcow2 files: writes fail once the file occupies the quota. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockError } from '../../devices/virtio/blk/backend.js';
import { createImage } from './create.js';
import { openDisk } from './open.js';
import { allocatedBytes, withQuota } from './quota.js';

const MiB = 1024 * 1024;

for (const format of ['raw', 'qcow2'] as const) {
  test(`quota on a ${format} image: writes beyond it fail with an I/O error, reads and discards keep working`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hv-quota-'));
    try {
      const path = join(dir, `d.${format}`);
      await createImage({ path, format, size: 64 * MiB });
      const opened = await openDisk({ path, format, readOnly: false });
      const disk = withQuota(opened.backend, path, 4 * MiB);
      const chunk = new Uint8Array(MiB).fill(0xa5);
      let written = 0;
      let err: unknown;
      for (let i = 0; i < 16; i++) {
        try { await disk.write(i * 2 * MiB, chunk); written++; } catch (e) { err = e; break; }
      }
      assert.ok(err instanceof BlockError && err.kind === 'io', String(err));
      assert.match((err as Error).message, /quota is 4\.0 MiB/);
      // Stops within one request of the quota: at least 3 MiB of data went in, the file holds ≤ quota + 1 request + metadata.
      assert.ok(written >= 3 && written <= 5, `wrote ${written} MiB`);
      assert.ok(await allocatedBytes(path) <= 4 * MiB + MiB + 512 * 1024, `allocated ${await allocatedBytes(path)}`);
      assert.equal(disk.quota.refused, 1);
      // Reads still work and see the data; overwrites of a full disk are refused too (thin pool semantics).
      const back = new Uint8Array(MiB);
      await disk.read(0, back);
      assert.equal(back[MiB - 1], 0xa5);
      await assert.rejects(disk.write(0, chunk), BlockError);
      await disk.flush();
      if (disk.canDiscard && format === 'raw') {
        // Discard punches holes in a raw file: space comes back and writes are admitted again.
        await disk.discard(0, 16 * MiB);
        await disk.write(0, chunk);
      }
      await disk.close();
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
}

test('quota must be positive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-quota-'));
  try {
    const path = join(dir, 'd.raw');
    await createImage({ path, format: 'raw', size: MiB });
    const opened = await openDisk({ path, format: 'raw', readOnly: false });
    assert.throws(() => withQuota(opened.backend, path, 0), RangeError);
    await opened.backend.close();
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
