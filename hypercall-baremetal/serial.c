/*
 * serial.c: the console on the first 16550 UART (COM1, I/O port 0x3f8),
 * 115200 baud 8N1, polled. Present on every PC-compatible
 * QEMU machine (pc, q35, microvm) and on most real PCs.
 */
#include "baremetal.h"

#define COM1 0x3f8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define TX_SPIN_LIMIT 100000 /* give up on a wedged UART, don't hang */

static int present;

/* 115200 8N1, FIFOs on, no interrupts; 0 if no UART answers at base
 * (COM1 here, COM2 for gdbstub_com2.c). */
int serial_uart_init(uint16_t base)
{
    outb(base + REG_IER, 0x00);
    outb(base + REG_LCR, 0x80); /* divisor latch: 115200 / 1 */
    outb(base + REG_DATA, 0x01);
    outb(base + REG_IER, 0x00);
    outb(base + REG_LCR, 0x03);         /* 8N1 */
    outb(base + REG_FCR, 0x07);         /* enable and clear FIFOs */
    outb(base + REG_MCR, 0x03);         /* DTR, RTS */
    return inb(base + REG_LSR) != 0xff; /* no UART reads as all ones */
}

void platform_console_init(void)
{
    present = serial_uart_init(COM1);
}

static void put(char c)
{
    for (int i = 0; i < TX_SPIN_LIMIT; i++)
        if (inb(COM1 + REG_LSR) & LSR_THR_EMPTY)
            break;
    outb(COM1 + REG_DATA, (uint8_t)c);
}

void hc_console_write(const char *buf, size_t len)
{
    if (!present)
        return;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '\n')
            put('\r');
        put(buf[i]);
    }
}

size_t hc_console_read(char *buf, size_t len)
{
    size_t n = 0;
    while (present && n < len && (inb(COM1 + REG_LSR) & LSR_DATA_READY))
        buf[n++] = (char)inb(COM1 + REG_DATA);
    return n;
}
