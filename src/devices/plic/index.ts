/** The PLIC device: see device.ts. */
export { Plic } from './device.js';
export type { PlicConfig, PlicMode, PlicOutputs } from './device.js';
export { plicSize, PLIC_DEFAULT_PRIORITIES, PLIC_DEFAULT_SOURCES } from './regs.js';
export type { LogFn } from '../guest-errors.js';
