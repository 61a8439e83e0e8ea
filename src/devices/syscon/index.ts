/** The sifive,test0 finisher (syscon) device: see device.ts. */
export { Syscon } from './device.js';
export type { SysconConfig, SysconEvent } from './device.js';
export { SYSCON_SIZE } from './regs.js';
export type { LogFn } from '../guest-errors.js';
