/**
 * Disk images for `hv image create` (raw, qcow2, qcow2 overlays on a base = linked clones) and
 * `hv image build` (a Debian root disk, ./rootfs.ts). The formats are implemented once, in the
 * block backends (src/backends/block/), which also serve them to guests.
 */
export { createImage, convertRawToQcow2, type CreateImageOptions, type CreatedImage } from '../backends/block/create.js';
export { openDisk, probeFormat, DISK_FORMATS, type DiskFormat } from '../backends/block/open.js';
