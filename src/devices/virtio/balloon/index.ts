/** virtio-balloon: see device.ts. */
export { VirtioBalloon } from './device.js';
export type { VirtioBalloonConfig, BalloonStats, BalloonMetrics, PageReclaimer } from './device.js';
