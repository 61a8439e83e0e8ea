/** virtio-blk (device ID 2): the device model and the backend interface it needs. */
export { VirtioBlk, type VirtioBlkConfig, type VirtioBlkMetrics, MAX_REQUEST_BYTES, MAX_INFLIGHT_BYTES } from './device.js';
export { BlockError, SECTOR_SIZE, type BlockBackend } from './backend.js';
