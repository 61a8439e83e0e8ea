/**
 * qcow2 requests whose pieces fail at different times. One guest request is split into concurrent
 * host I/O jobs (backing-file reads, preads of data clusters, pwrites). When one of them fails, the
 * request must settle only after every other job has stopped touching its buffer: virtio-blk gives
 * the buffer back to its pool when the request settles and hands it to the next request, so a job
 * still running would scribble into another request's data (or write it to the disk). And a job
 * that fails while the request is still mapping later clusters must not be an unhandled rejection
 * (which ends the hv process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockError, type BlockBackend } from '../../devices/virtio/blk/backend.js';
import { newQcow2Image } from './qcow2-format.js';
import { Qcow2Backend } from './qcow2.js';

/** 512-byte clusters: one L2 table maps 64 of them. */
const CB = 9;
const CS = 1 << CB;
const SIZE = 256 * CS;

/** A backing disk whose reads of cluster 0 fail at once and whose other reads complete 20 ms later. */
class FlakyBase implements BlockBackend {
  readonly capacity = SIZE;
  readonly readOnly = true;
  readonly serial = '';
  readonly canDiscard = false;
  readonly canWriteZeroes = false;
  readonly description = 'flaky base';
  /** Reads started and not finished. */
  pending = 0;
  /** Reads that wrote into their buffer after the request they belong to had settled. */
  late = 0;
  /** Set by the test once the request settled. */
  settled = false;

  read(offset: number, dst: Uint8Array): Promise<void> {
    if (offset < CS) return Promise.reject(new BlockError('flaky base: EIO', 'io'));
    this.pending++;
    return new Promise((resolve) => setTimeout(() => {
      if (this.settled) this.late++;
      dst.fill(0xaa);
      this.pending--;
      resolve();
    }, 20));
  }
  write(): Promise<void> { return Promise.reject(new BlockError('read-only', 'read-only')); }
  flush(): Promise<void> { return Promise.resolve(); }
  discard(): Promise<void> { return Promise.reject(new BlockError('read-only', 'read-only')); }
  writeZeroes(): Promise<void> { return Promise.reject(new BlockError('read-only', 'read-only')); }
  close(): Promise<void> { return Promise.resolve(); }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('qcow2: a read with a failed piece settles after its other pieces, and the failure is never unhandled', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-qcow2-err-'));
  const unhandled: unknown[] = [];
  const onUnhandled = (e: unknown): void => { unhandled.push(e); };
  process.on('unhandledRejection', onUnhandled);
  try {
    const path = join(dir, 'overlay.qcow2');
    writeFileSync(path, newQcow2Image({ size: SIZE, clusterBits: CB, backingFile: 'base.img', backingFormat: 'raw' }).bytes);
    // Allocate cluster 64 (the first of the second L2 table) and reopen, so that mapping it reads its L2 table from the file.
    const base0 = new FlakyBase();
    const w = await Qcow2Backend.open(path, { openBacking: async () => base0 });
    await w.write(64 * CS, new Uint8Array(CS).fill(0x55));
    await w.close();

    const base = new FlakyBase();
    const img = await Qcow2Backend.open(path, { openBacking: async () => base });
    try {
      // Clusters 0..3 come from the base; the read of cluster 0 fails at once, the other three take 20 ms.
      await assert.rejects(img.read(0, new Uint8Array(4 * CS)), /flaky base: EIO/);
      base.settled = true;
      assert.equal(base.pending, 0, 'the request failed while backing reads were still writing into its buffer');
      await sleep(50);
      assert.equal(base.late, 0);

      // Clusters 0..64: cluster 0 fails while the request still waits for the L2 table of cluster 64.
      base.settled = false;
      const buf = new Uint8Array(65 * CS);
      await assert.rejects(img.read(0, buf), /flaky base: EIO/);
      base.settled = true;
      assert.equal(base.pending, 0, 'backing reads still in flight');
      await sleep(50);
      assert.equal(base.late, 0);
      assert.deepEqual(unhandled, [], 'a failed piece was an unhandled rejection while the request went on');

      // Reads that do not touch the bad cluster still work and see both the base and the overlay.
      const ok = new Uint8Array(2 * CS);
      await img.read(63 * CS, ok);
      assert.equal(ok[0], 0xaa);
      assert.equal(ok[CS], 0x55);
    } finally {
      await img.close();
    }
  } finally {
    process.off('unhandledRejection', onUnhandled);
    rmSync(dir, { recursive: true, force: true });
  }
});
