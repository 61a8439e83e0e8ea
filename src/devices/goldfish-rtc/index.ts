/** The goldfish RTC device: see device.ts. */
export { GoldfishRtc } from './device.js';
export type { GoldfishRtcConfig } from './device.js';
export { RTC_SIZE } from './regs.js';
export type { LogFn } from '../guest-errors.js';
