/** The 16550A UART device: see device.ts. */
export { Uart16550 } from './device.js';
export type { CharBackend, Uart16550Config, Uart16550Metrics } from './device.js';
export { UART_SIZE, UART_DEFAULT_CLOCK_HZ } from './regs.js';
export type { LogFn } from '../guest-errors.js';
