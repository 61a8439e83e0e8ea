/**
 * NS16550A register map and bits (TI/National PC16550D datasheet, "Register Description";
 * reg-shift 0: one register per byte offset).
 */

// Offsets (DLAB = LCR bit 7 selects the divisor latch at 0/1).
export const RBR_THR_DLL = 0; // read: RBR, write: THR; DLAB=1: DLL
export const IER_DLM = 1; // IER; DLAB=1: DLM
export const IIR_FCR = 2; // read: IIR, write: FCR
export const LCR = 3;
export const MCR = 4;
export const LSR = 5;
export const MSR = 6;
export const SCR = 7;
/** Window size on the virt board. */
export const UART_SIZE = 0x100;

// IER
export const IER_ERBFI = 0x01; // received data available (and character timeout)
export const IER_ETBEI = 0x02; // transmitter holding register empty
export const IER_ELSI = 0x04; // receiver line status
export const IER_EDSSI = 0x08; // modem status
export const IER_MASK = 0x0f;

// IIR (bit 0 = 1: no interrupt pending; bits 3:1 identify the source; bits 7:6 = 11 with FIFOs on)
export const IIR_NO_INT = 0x01;
export const IIR_MSI = 0x00; // priority 4: modem status
export const IIR_THRI = 0x02; // priority 3: THR empty
export const IIR_RDI = 0x04; // priority 2: received data available (trigger level reached)
export const IIR_RLSI = 0x06; // priority 1 (highest): receiver line status
export const IIR_CTI = 0x0c; // priority 2: character timeout
export const IIR_FIFO_ENABLED = 0xc0;

// FCR
export const FCR_ENABLE = 0x01;
export const FCR_CLEAR_RX = 0x02;
export const FCR_CLEAR_TX = 0x04;
/** RX trigger levels selected by FCR bits 7:6 (16-byte FIFO). */
export const FCR_TRIGGER_LEVELS = [1, 4, 8, 14] as const;

// LCR
export const LCR_DLAB = 0x80;
export const LCR_BREAK = 0x40;

// MCR
export const MCR_DTR = 0x01;
export const MCR_RTS = 0x02;
export const MCR_OUT1 = 0x04;
export const MCR_OUT2 = 0x08;
export const MCR_LOOP = 0x10;
export const MCR_MASK = 0x1f;

// LSR
export const LSR_DR = 0x01;
export const LSR_OE = 0x02;
export const LSR_PE = 0x04;
export const LSR_FE = 0x08;
export const LSR_BI = 0x10;
export const LSR_THRE = 0x20;
export const LSR_TEMT = 0x40;
export const LSR_RX_FIFO_ERROR = 0x80;
/** The error bits that raise a receiver-line-status interrupt and clear on LSR read. */
export const LSR_ERRORS = LSR_OE | LSR_PE | LSR_FE | LSR_BI;

// MSR (bits 3:0 are the "delta" bits, cleared on read)
export const MSR_DCTS = 0x01;
export const MSR_DDSR = 0x02;
export const MSR_TERI = 0x04;
export const MSR_DDCD = 0x08;
export const MSR_CTS = 0x10;
export const MSR_DSR = 0x20;
export const MSR_RI = 0x40;
export const MSR_DCD = 0x80;

/** Input clock on the virt board (DT clock-frequency 0x384000 = 3.6864 MHz). */
export const UART_DEFAULT_CLOCK_HZ = 3_686_400;
