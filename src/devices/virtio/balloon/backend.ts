/** What virtio-balloon needs from the host: a way to give guest pages back to the OS (src/backends/page-reclaim.ts). */
export interface PageReclaimer {
  /**
   * Gives the memory under `view` (a writable view of guest RAM covering whole 4 KiB guest pages)
   * back to the host OS. Afterwards the range must read as zero. Returns the bytes actually
   * released to the OS: 0 when the implementation could only zero-fill them (no native helper).
   */
  discard(view: Uint8Array): number;
}
