/**
 * Guest image tooling, as the CLI uses it:
 *   hv image pull  → pullDefaultImage({ onProgress: consoleProgress() }) then formatPullSummary(result)
 *   hv image ls    → listImages()
 *   hv run (defaults) → defaultImagePaths()  (null until pulled)
 */

export { pullDefaultImage, defaultImagePaths, isImageCurrent, DEFAULT_IMAGE, type PullOptions, type PullProgress, type PullResult } from './pull.js';
export { listImages, resolveCacheDir, type ImageInfo, type ImageManifest } from './cache.js';
export { buildInitramfs, BOOT_MARKER, DEFAULT_MODULES, type InitramfsOptions } from './initramfs.js';
export { consoleProgress, formatPullSummary } from './progress.js';
export { AptNotFoundError, AptSignatureError } from './apt.js';
export { MissingToolError } from './util.js';
export { createImage, probeFormat, DISK_FORMATS, type DiskFormat, type CreatedImage } from './disk.js';
export { buildRootfs, defaultRootDiskPath, ROOTFS_BUILDER_VERSION, DEFAULT_ROOTFS_PACKAGES, DEFAULT_ROOTFS_SIZE, ROOTFS_MARKER, type BuildRootfsResult } from './rootfs.js';
