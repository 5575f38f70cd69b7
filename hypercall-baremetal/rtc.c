/*
 * rtc.c: read the MC146818 CMOS clock once for the wall-clock offset.
 * Reads until two passes agree, so an update in progress cannot give a
 * torn value. Handles BCD and binary, 12- and 24-hour modes; assumes the
 * 21st century (the century register is not standard). Returns -1 when
 * no RTC answers (QEMU microvm without rtc=on, some VMMs).
 */
#include "baremetal.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71

static uint8_t cmos(uint8_t reg)
{
    outb(CMOS_INDEX, reg);
    return inb(CMOS_DATA);
}

static int from_bcd(int v, int bcd)
{
    return bcd ? (v & 0x0f) + (v >> 4) * 10 : v;
}

struct rtc_time {
    int sec, min, hour, day, mon, year;
};

static void read_once(struct rtc_time *t)
{
    while (cmos(0x0a) & 0x80) /* update in progress */
        ;
    t->sec = cmos(0x00);
    t->min = cmos(0x02);
    t->hour = cmos(0x04);
    t->day = cmos(0x07);
    t->mon = cmos(0x08);
    t->year = cmos(0x09);
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = y / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t rtc_read_unix_seconds(void)
{
    if (cmos(0x0a) == 0xff)
        return -1;
    struct rtc_time a, b;
    int tries = 0;
    do {
        read_once(&a);
        read_once(&b);
    } while ((a.sec != b.sec || a.min != b.min) && ++tries < 5);
    uint8_t status_b = cmos(0x0b);
    int bcd = !(status_b & 0x04);
    int pm = !(status_b & 0x02) && (b.hour & 0x80);
    int hour = from_bcd(b.hour & 0x7f, bcd);
    if (!(status_b & 0x02))
        hour = hour % 12 + (pm ? 12 : 0);
    int year = 2000 + from_bcd(b.year, bcd);
    int mon = from_bcd(b.mon, bcd), day = from_bcd(b.day, bcd);
    if (mon < 1 || mon > 12 || day < 1 || day > 31)
        return -1;
    return days_from_civil(year, mon, day) * 86400 + hour * 3600 +
           from_bcd(b.min, bcd) * 60 + from_bcd(b.sec, bcd);
}
