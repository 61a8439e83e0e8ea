/**
 * What a front end needs to run one VM in its own process (`hv run`, the per-VM process of the daemon):
 * the board, its boot payload types, host disk/NIC attachment and the run loop. Front ends import this
 * room (vm), never machine/ or cpu/ directly.
 */
export { MAX_RAM_BYTES } from '../cpu/host/core.js';
export { VirtMachine, type VirtConfig } from '../machine/virt/machine.js';
export type { BootFile, BootPayload } from '../machine/virt/boot.js';
export { openDisks, closeDisks, type Disk } from '../machine/virt/disks.js';
export { openNics, closeNics } from '../machine/virt/net.js';
export { runMachine, type RunOptions, type RunResult } from './runner.js';
