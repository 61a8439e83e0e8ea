/**
 * Goldfish RTC register map (Android "GOLDFISH-VIRTUAL-HARDWARE.TXT", section "goldfish_rtc";
 * the same offsets as QEMU hw/rtc/goldfish_rtc.c). All registers are 32-bit.
 */
export const TIME_LOW = 0x00; // read: low 32 bits of time (ns), latches TIME_HIGH
export const TIME_HIGH = 0x04; // read: the latched high 32 bits
export const ALARM_LOW = 0x08; // write: low 32 bits of the alarm; arms it
export const ALARM_HIGH = 0x0c; // write: high 32 bits of the alarm (write first)
export const IRQ_ENABLED = 0x10; // bit 0: alarm interrupt enabled
export const CLEAR_ALARM = 0x14; // write: disarm the alarm
export const ALARM_STATUS = 0x18; // read: 1 while an alarm is armed
export const CLEAR_INTERRUPT = 0x1c; // write: acknowledge the interrupt
/** Window size on the virt board. */
export const RTC_SIZE = 0x1000;
