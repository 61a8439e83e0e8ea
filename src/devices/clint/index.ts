/** The CLINT device: see device.ts. */
export { Clint, clockTimebase } from './device.js';
export type { ClintConfig, ClintOutputs, Timebase } from './device.js';
export { CLINT_SIZE, CLINT_TIMEBASE_HZ } from './regs.js';
export type { LogFn } from '../guest-errors.js';
