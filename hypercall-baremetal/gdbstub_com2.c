/*
 * gdbstub_com2.c: the gdb stub's channel on bare metal, the second
 * 16550 UART (COM2, I/O port 0x2f8), polled: COM1 stays the console,
 * so the application's output never mixes with the protocol. Under
 * QEMU: -serial for COM1, then -serial tcp::PORT,server=on,wait=off
 * for COM2 (microvm has one UART only: use -machine pc or q35).
 * Limits: no interrupt, so gdb cannot stop a running image (Ctrl-C);
 * a UART that stops taking bytes drops them after TX_SPIN_LIMIT polls.
 */
#include "baremetal.h"

#define COM2 0x2f8
#define REG_DATA 0
#define REG_LSR 5
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define TX_SPIN_LIMIT 1000000

int platform_gdb_open(void)
{
    if (serial_uart_init(COM2))
        return 0;
    kprintf("gdb=on: no COM2 UART (QEMU microvm has one: use pc or q35)\n");
    return -1;
}

int platform_gdb_getc(void)
{
    while (!(inb(COM2 + REG_LSR) & LSR_DATA_READY))
        __asm__ volatile("pause");
    return inb(COM2 + REG_DATA);
}

void platform_gdb_put(const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        for (int n = 0; n < TX_SPIN_LIMIT; n++)
            if (inb(COM2 + REG_LSR) & LSR_THR_EMPTY)
                break;
        outb(COM2 + REG_DATA, (uint8_t)buf[i]);
    }
}
