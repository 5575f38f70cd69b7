/*
 * pages/test.c: host unit test of platform/pages.c, the bitmap page
 * allocator. Physical addresses are identity-mapped in the kernel, so
 * here an mmap'd, page-aligned arena plays the part of RAM and regions
 * are described as addresses inside it. Page numbers below (pfn) are
 * counted from the start of the arena.
 *
 * panic() is ours: it records the message and longjmps back, so a test
 * can require that a misuse (double free, foreign range) panics. A panic
 * nobody asked for fails the test and stops it.
 *
 * links: platform/pages.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "platform.h"
#include "tap.h"

#define P ((uint64_t)HC_PAGE_SIZE)
#define ARENA_PAGES 512
#define FILL 0xaa /* arena contents before init: "not touched" */

static unsigned char *arena;

static jmp_buf panic_env;
static int panic_armed;
static char panic_msg[256];

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(panic_msg, sizeof panic_msg, fmt, ap);
    va_end(ap);
    if (!panic_armed) {
        tap_check(0, "no unexpected panic", "%s", panic_msg);
        exit(tap_done());
    }
    panic_armed = 0;
    longjmp(panic_env, 1);
}

/* 1 if hc_pages_free(p, n) panicked. */
static int free_panics(void *p, size_t n)
{
    panic_msg[0] = '\0';
    panic_armed = 1;
    if (setjmp(panic_env))
        return 1;
    hc_pages_free(p, n);
    panic_armed = 0;
    return 0;
}

static uint64_t addr(uint64_t pfn)
{
    return (uint64_t)(uintptr_t)arena + pfn * P;
}

static void *pg(uint64_t pfn)
{
    return arena + pfn * P;
}

static uint64_t pfn_of(const void *p)
{
    return ((uint64_t)(uintptr_t)p - (uint64_t)(uintptr_t)arena) / P;
}

static size_t free_pages(void)
{
    struct hc_mem_stats s;
    hc_pages_stats(&s);
    return s.free_pages;
}

static size_t total_pages(void)
{
    struct hc_mem_stats s;
    hc_pages_stats(&s);
    return s.total_pages;
}

/* A fresh arena of `pages` pages as one RAM region, nothing reserved. */
static int init_one(uint64_t pages)
{
    memset(arena, FILL, ARENA_PAGES * P);
    struct mem_region ram = {addr(0), pages * P};
    return pages_init(&ram, 1, NULL, 0);
}

/* ---- one region ------------------------------------------------------ */

static void test_init_errors(void)
{
    struct mem_region ram = {addr(1), P};
    struct mem_region res = {addr(1), P};
    struct mem_region tiny = {addr(1), 100};
    tap_check(pages_init(&ram, 0, NULL, 0) == -1, "init: no regions fails",
              NULL);
    tap_check(pages_init(&ram, 1, &res, 1) == -1,
              "init: all RAM reserved, no home for the bitmap, fails", NULL);
    int rc = pages_init(&tiny, 1, NULL, 0);
    tap_check((rc == -1 || total_pages() == 0) && hc_pages_alloc(1) == NULL,
              "init: a region smaller than a page gives no pages", "rc %d", rc);
}

static void test_one_region(void)
{
    int rc = init_one(256);
    tap_check(rc == 0, "one region: init succeeds", "rc %d", rc);
    /* 256 pages need one bitmap page; that page is the only one lost. */
    tap_check(total_pages() == 255 && free_pages() == 255,
              "one region: 255 of 256 pages usable (1 bitmap page)",
              "total %zu free %zu", total_pages(), free_pages());
    tap_check(pages_max_addr() == addr(256), "one region: pages_max_addr",
              "got %#llx want %#llx", (unsigned long long)pages_max_addr(),
              (unsigned long long)addr(256));
    tap_check(hc_pages_alloc(0) == NULL && free_pages() == 255,
              "alloc(0) returns NULL and changes nothing", NULL);
    unsigned char *p = hc_pages_alloc(1);
    tap_check(p && (uintptr_t)p % P == 0 && pfn_of(p) >= 1 && pfn_of(p) < 256,
              "alloc(1): page-aligned and inside the region", "got %p", p);
    tap_check(p && all_bytes(p, P, 0), "alloc(1): page is zeroed", NULL);
    tap_check(free_pages() == 254, "alloc(1): free count drops by one",
              "free %zu", free_pages());
}

/* Stacks and page tables come unzeroed (their users write before they
 * read), everything else zeroed: both from the same bitmap. */
static void test_unzeroed(void)
{
    init_one(256);
    unsigned char *u = pages_alloc_unzeroed(2);
    tap_check(u && all_bytes(u, 2 * P, FILL),
              "alloc_unzeroed(2): the pages keep what they held", "got %p", u);
    unsigned char *z = hc_pages_alloc(2);
    tap_check(z && z != u && all_bytes(z, 2 * P, 0) && free_pages() == 251,
              "hc_pages_alloc after it: other pages, zeroed", "free %zu",
              free_pages());
    tap_check(pages_alloc_unzeroed(0) == NULL && free_pages() == 251,
              "alloc_unzeroed(0) returns NULL and changes nothing", NULL);
}

/* Runs of 1..20 pages: aligned, in range, zeroed, pairwise disjoint, and
 * writing all of each run disturbs neither the others nor the bitmap. */
static void test_runs_disjoint(void)
{
    unsigned char *run[21];
    int ok = 1;
    init_one(256);
    for (unsigned n = 1; n <= 20 && ok; n++) {
        run[n] = hc_pages_alloc(n);
        ok = run[n] && (uintptr_t)run[n] % P == 0 && pfn_of(run[n]) >= 1 &&
             pfn_of(run[n]) + n <= 256 && all_bytes(run[n], n * P, 0);
        if (ok)
            memset(run[n], (int)n, n * P);
        else
            tap_check(0, "runs 1..20: aligned, in range, zeroed",
                      "run of %u: %p", n, run[n]);
    }
    if (!ok)
        return;
    tap_check(1, "runs 1..20: aligned, in range, zeroed", NULL);
    for (unsigned a = 1; a <= 20; a++)
        for (unsigned b = a + 1; b <= 20; b++)
            if (run[a] < run[b] + b * P && run[b] < run[a] + a * P)
                ok = tap_check(0, "runs 1..20: disjoint", "%u and %u", a, b);
    for (unsigned n = 1; n <= 20; n++)
        if (!all_bytes(run[n], n * P, (unsigned char)n))
            ok = tap_check(0, "runs 1..20: contents survive", "run %u", n);
    tap_check(ok, "runs 1..20: disjoint and contents survive", NULL);
    tap_check(free_pages() == 255 - 210, "runs 1..20: free count exact",
              "free %zu", free_pages());
}

/* Take every page as a single: returns how many, in pages[]. */
static unsigned take_all_singles(unsigned char **pages, unsigned max)
{
    unsigned n = 0;
    while (n < max && (pages[n] = hc_pages_alloc(1)))
        n++;
    return n;
}

static void test_exhaustion(void)
{
    unsigned char *s[256];
    init_one(256);
    unsigned n = take_all_singles(s, 256);
    int distinct = 1, bitmap_given = 0;
    for (unsigned i = 0; i < n; i++) {
        bitmap_given |= pfn_of(s[i]) == 0;
        for (unsigned j = i + 1; j < n; j++)
            distinct &= s[i] != s[j];
    }
    tap_check(n == 255, "exhaust: exactly 255 singles", "got %u", n);
    tap_check(distinct && !bitmap_given,
              "exhaust: all distinct, bitmap page never handed out", NULL);
    tap_check(hc_pages_alloc(1) == NULL && free_pages() == 0 &&
                  total_pages() == 255,
              "exhaust: alloc(1) NULL, stats 255 total 0 free",
              "free %zu total %zu", free_pages(), total_pages());

    memset(s[100], 0x77, P);
    hc_pages_free(s[100], 1);
    unsigned char *again = hc_pages_alloc(1);
    tap_check(again == s[100], "free then alloc reuses the freed page",
              "freed %p got %p", s[100], again);
    tap_check(again && all_bytes(again, P, 0), "reused page is zeroed", NULL);

    for (unsigned i = 0; i < n; i++)
        hc_pages_free(s[i], 1);
    tap_check(free_pages() == 255, "exhaust: freeing all restores 255",
              "free %zu", free_pages());
    unsigned char *all = hc_pages_alloc(255);
    tap_check(all == pg(1), "alloc(255) takes the whole region in one run",
              "got %p want %p", all, pg(1));
    tap_check(hc_pages_alloc(1) == NULL, "nothing left after alloc(255)", NULL);
    hc_pages_free(all, 255);
    tap_check(hc_pages_alloc(256) == NULL && free_pages() == 255,
              "alloc(256) with 255 free returns NULL", NULL);
}

/* Free pages at the start of a bitmap word after a full word: the scan
 * skips full words at once and must not skip past these. */
static void test_word_boundary(void)
{
    init_one(256);
    unsigned char *x = hc_pages_alloc(255); /* pfn 1..255 */
    hc_pages_free(pg(64), 1);
    hc_pages_free(pg(128), 1);
    void *a = hc_pages_alloc(1), *b = hc_pages_alloc(1);
    tap_check(
        x && ((a == pg(64) && b == pg(128)) || (a == pg(128) && b == pg(64))) &&
            hc_pages_alloc(1) == NULL,
        "pages 64 and 128, first bits of their words, are found",
        "got pfn %lld and %lld", a ? (long long)pfn_of(a) : -1LL,
        b ? (long long)pfn_of(b) : -1LL);
}

/* ---- fragmentation, partial and bad frees ---------------------------- */

static int run_was_free(const unsigned char *used, const void *p, size_t n)
{
    for (uint64_t i = pfn_of(p); i < pfn_of(p) + n; i++)
        if (i >= 256 || used[i])
            return 0;
    return 1;
}

static void test_fragmentation(void)
{
    unsigned char *s[256], used[256];
    init_one(256);
    unsigned n = take_all_singles(s, 256);
    memset(used, 1, sizeof used);
    /* Free every other page by address: 1, 3, 5, ... 255 are free. */
    for (unsigned i = 0; i < n; i++)
        if (pfn_of(s[i]) % 2 == 1) {
            hc_pages_free(s[i], 1);
            used[pfn_of(s[i])] = 0;
        }
    tap_check(free_pages() == 128, "fragment: 128 single pages free",
              "free %zu", free_pages());
    tap_check(hc_pages_alloc(2) == NULL,
              "fragment: alloc(2) NULL with 128 pages free but no run", NULL);
    tap_check(free_pages() == 128, "fragment: failed alloc changes nothing",
              "free %zu", free_pages());

    hc_pages_free(pg(100), 1); /* 99, 100, 101 now form a run of 3 */
    used[100] = 0;
    unsigned char *two = hc_pages_alloc(2);
    tap_check(two && run_was_free(used, two, 2),
              "fragment: alloc(2) lands inside the only run, not across "
              "used pages",
              "got pfn %lld", two ? (long long)pfn_of(two) : -1LL);
    tap_check(hc_pages_alloc(2) == NULL && free_pages() == 127,
              "fragment: second alloc(2) NULL, 127 free", "free %zu",
              free_pages());
    unsigned char *one = hc_pages_alloc(1);
    tap_check(one && run_was_free(used, one, 1) &&
                  (!two || pfn_of(one) < pfn_of(two) ||
                   pfn_of(one) >= pfn_of(two) + 2),
              "fragment: alloc(1) still finds a free single", NULL);
}

static void test_partial_free(void)
{
    init_one(256);
    unsigned char *x = hc_pages_alloc(255); /* pfn 1..255 */
    memset(x, 0x33, 255 * P);
    hc_pages_free(x + 10 * P, 8); /* pfn 11..18 */
    tap_check(free_pages() == 8, "partial: freeing 8 of 255 frees 8",
              "free %zu", free_pages());
    tap_check(free_panics(x + 12 * P, 3),
              "partial: freeing part of the freed range again panics", NULL);
    unsigned char *three = hc_pages_alloc(3);
    tap_check(three == x + 10 * P, "partial: alloc(3) reuses the hole start",
              "got %p want %p", three, x + 10 * P);
    tap_check(hc_pages_alloc(6) == NULL, "partial: 5 left, alloc(6) NULL",
              NULL);
    unsigned char *five = hc_pages_alloc(5);
    tap_check(five == x + 13 * P, "partial: alloc(5) takes the rest",
              "got %p want %p", five, x + 13 * P);
    tap_check(all_bytes(x, 10 * P, 0x33) &&
                  all_bytes(x + 18 * P, 237 * P, 0x33),
              "partial: pages still held keep their contents", NULL);
    hc_pages_free(x, 10);
    hc_pages_free(x + 18 * P, 237);
    hc_pages_free(x + 10 * P, 8);
    tap_check(free_pages() == 255,
              "partial: head, tail and middle freed separately", "free %zu",
              free_pages());
}

static void test_double_free(void)
{
    init_one(256);
    unsigned char *p = hc_pages_alloc(1);
    hc_pages_free(p, 1);
    size_t before = free_pages();
    tap_check(free_panics(p, 1) && free_pages() == before,
              "double free panics, stats unchanged", NULL);
    unsigned char *q = hc_pages_alloc(2);
    hc_pages_free(q + P, 1);
    before = free_pages();
    tap_check(free_panics(q, 2) && free_pages() == before,
              "free of a half-free run panics, stats unchanged", NULL);
    tap_check(!free_panics(q, 1) && free_pages() == before + 1,
              "the still-held half of that run frees normally", NULL);
}

static void test_foreign_free(void)
{
    init_one(256);
    unsigned char *p = hc_pages_alloc(1);
    void *heap = aligned_alloc(P, P);
    size_t before = free_pages();
    tap_check(free_panics(arena - P, 1), "free below the region panics", "%s",
              panic_msg);
    tap_check(free_panics(pg(256), 1), "free at pages_max_addr panics", NULL);
    tap_check(free_panics(pg(255), 2), "free running past the end panics",
              NULL);
    tap_check(free_panics(p + 8, 1), "free of a misaligned pointer panics",
              NULL);
    tap_check(free_panics(NULL, 1), "free(NULL) panics", NULL);
    tap_check(free_panics(heap, 1), "free of a heap page panics", NULL);
    tap_check(free_pages() == before, "bad frees leave stats unchanged",
              "free %zu want %zu", free_pages(), before);
    free(heap);
}

/* first + n wraps around for a huge n, so a range check written as
 * first + n > npages passes; the free must still panic. */
static void test_huge_count_free(void)
{
    init_one(256);
    unsigned char *p = hc_pages_alloc(1);
    size_t before = free_pages();
    int panicked = free_panics(p, SIZE_MAX);
    tap_check(panicked && free_pages() == before,
              "free with a huge count (first + n wraps) panics",
              "panicked %d, free count %zu -> %zu", panicked, before,
              free_pages());
}

/* ---- several regions with holes and reserved ranges ------------------ */

/*
 * pfn   0..63     RAM; 0..2 reserved (2P + 1 bytes rounds out to 3 pages)
 *       64..100   hole (page 100 is only partly RAM, so not usable)
 *       101..149  RAM starting mid-page 100; 120 reserved
 *       150..299  hole
 *       300..399  RAM, listed first; 300 reserved, so the bitmap goes to
 *                 301; 395..399 reserved by a range running past the end
 * plus a reserved range below the arena, which must be ignored.
 */
static const struct mem_region *multi_ram(void)
{
    static struct mem_region ram[3];
    ram[0] = (struct mem_region){addr(300), 100 * P};
    ram[1] = (struct mem_region){addr(0), 64 * P};
    ram[2] = (struct mem_region){addr(100) + 123, 50 * P};
    return ram;
}

static const struct mem_region *multi_res(void)
{
    static struct mem_region res[5];
    res[0] = (struct mem_region){addr(0), 2 * P + 1};
    res[1] = (struct mem_region){addr(300), P};
    res[2] = (struct mem_region){addr(120) + 5, 10};
    res[3] = (struct mem_region){addr(395), 20 * P};
    res[4] = (struct mem_region){addr(0) - 10 * P, 5 * P};
    return res;
}

#define MULTI_USABLE 202 /* 61 + 48 + 93 */

static int multi_usable(uint64_t pfn)
{
    return (pfn >= 3 && pfn < 64) || (pfn >= 101 && pfn < 150 && pfn != 120) ||
           (pfn >= 302 && pfn < 395);
}

static int multi_init(void)
{
    memset(arena, FILL, ARENA_PAGES * P);
    return pages_init(multi_ram(), 3, multi_res(), 5);
}

/* Every page that is not usable RAM still holds FILL. */
static int untouched_outside_usable(void)
{
    for (uint64_t pfn = 0; pfn < 400; pfn++)
        if (!multi_usable(pfn) && pfn != 301 && !all_bytes(pg(pfn), P, FILL))
            return 0;
    return 1;
}

static void test_multi_region(void)
{
    int rc = multi_init();
    tap_check(rc == 0, "multi: init succeeds", "rc %d", rc);
    tap_check(total_pages() == MULTI_USABLE && free_pages() == MULTI_USABLE,
              "multi: total = RAM pages - bitmap - reserved",
              "total %zu free %zu want %d", total_pages(), free_pages(),
              MULTI_USABLE);
    tap_check(pages_max_addr() == addr(400), "multi: pages_max_addr",
              "got %#llx want %#llx", (unsigned long long)pages_max_addr(),
              (unsigned long long)addr(400));
    tap_check(untouched_outside_usable(),
              "multi: init writes no reserved page or hole", NULL);

    /* Each usable stretch is the only run of its length. */
    static const struct {
        size_t n;
        uint64_t pfn;
    } longest[] = {
        {93, 302},
        {61, 3},
        {29, 121},
        {19, 101},
    };
    for (unsigned i = 0; i < 4; i++) {
        char what[80];
        snprintf(what, sizeof what,
                 "multi: alloc(%zu) NULL, alloc(%zu) at "
                 "pfn %llu",
                 longest[i].n + 1, longest[i].n,
                 (unsigned long long)longest[i].pfn);
        void *none = hc_pages_alloc(longest[i].n + 1);
        void *p = hc_pages_alloc(longest[i].n);
        tap_check(!none && p == pg(longest[i].pfn), what,
                  "n %zu: longer %p, got pfn %lld want %llu", longest[i].n,
                  none, p ? (long long)pfn_of(p) : -1LL,
                  (unsigned long long)longest[i].pfn);
    }
    tap_check(free_pages() == 0 && hc_pages_alloc(1) == NULL,
              "multi: four runs take every usable page", "free %zu",
              free_pages());
    tap_check(untouched_outside_usable(),
              "multi: zeroing allocations writes no reserved page or hole",
              NULL);
}

static void test_multi_singles(void)
{
    static unsigned char *s[ARENA_PAGES];
    unsigned char seen[400] = {0};
    multi_init();
    unsigned n = take_all_singles(s, ARENA_PAGES);
    int ok = n == MULTI_USABLE;
    for (unsigned i = 0; i < n && ok; i++) {
        uint64_t pfn = pfn_of(s[i]);
        ok = pfn < 400 && multi_usable(pfn) && !seen[pfn];
        if (ok)
            seen[pfn] = 1;
    }
    tap_check(ok, "multi: singles cover exactly the usable pages",
              "%u singles, want %d", n, MULTI_USABLE);
}

/* hypercall.h: "Freeing a page that is not allocated is a panic." Pages
 * in a hole, in a reserved range or under the bitmap are inside
 * [base, pages_max_addr) but were never handed out. */
static void test_multi_foreign_free(void)
{
    static const struct {
        uint64_t pfn;
        const char *what;
    } bad[] = {
        {80, "free of a page in a hole between regions panics"},
        {120, "free of a reserved page panics"},
        {301, "free of the bitmap's own page panics"},
    };
    for (unsigned i = 0; i < 3; i++) {
        multi_init();
        int panicked = free_panics(pg(bad[i].pfn), 1);
        tap_check(panicked && free_pages() == MULTI_USABLE, bad[i].what,
                  "no panic; free count now %zu of %d total", free_pages(),
                  MULTI_USABLE);
    }
}

/* A first region that is entirely reserved cannot hold the bitmap. */
static void test_bitmap_home(void)
{
    struct mem_region ram[2] = {{addr(10), P}, {addr(20), 30 * P}};
    struct mem_region res = {addr(10), P};
    memset(arena, FILL, ARENA_PAGES * P);
    int rc = pages_init(ram, 2, &res, 1);
    tap_check(rc == 0 && total_pages() == 29,
              "bitmap home: skips a fully reserved first region",
              "rc %d total %zu", rc, total_pages());
    tap_check(all_bytes(pg(10), P, FILL),
              "bitmap home: reserved page not overwritten", NULL);
    void *p = hc_pages_alloc(1);
    tap_check(p == pg(21), "bitmap home: first page after the bitmap",
              "got pfn %lld", p ? (long long)pfn_of(p) : -1LL);
}

/* 40000 pages need a two-page bitmap. The mapping is lazy, so only the
 * pages touched cost memory. */
static void test_big_bitmap(void)
{
    uint64_t pages = 40000;
    unsigned char *big =
        mmap(NULL, pages * P, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (big == MAP_FAILED) {
        tap_check(0, "big: map 40000 pages", "mmap failed");
        return;
    }
    struct mem_region ram = {(uint64_t)(uintptr_t)big, pages * P};
    int rc = pages_init(&ram, 1, NULL, 0);
    /* two bitmaps of 5000 bytes each: 3 pages */
    tap_check(rc == 0 && total_pages() == pages - 3,
              "big: 40000 pages lose 3 to the bitmaps", "rc %d total %zu", rc,
              total_pages());
    void *p = hc_pages_alloc(1);
    tap_check(p == big + 3 * P && free_pages() == pages - 4,
              "big: first free page follows the bitmap", "got %p, base %p", p,
              (void *)big);
    munmap(big, pages * P);
}

/* ---- random operations against a model ------------------------------- */

struct held {
    uint64_t pfn, n;
    unsigned char tag;
};

static struct held held[400];
static unsigned nheld;
static unsigned char model_used[400];
static uint64_t rng = 88172645463325252ull;

static uint64_t rnd(uint64_t below)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng % below;
}

static uint64_t model_free(void)
{
    uint64_t f = 0;
    for (uint64_t i = 0; i < 400; i++)
        f += !model_used[i];
    return f;
}

static uint64_t model_longest_run(void)
{
    uint64_t best = 0, run = 0;
    for (uint64_t i = 0; i < 400; i++) {
        run = model_used[i] ? 0 : run + 1;
        if (run > best)
            best = run;
    }
    return best;
}

/* One allocation; returns NULL if all is well, else what went wrong. */
static const char *stress_alloc(size_t n)
{
    unsigned char *p = hc_pages_alloc(n);
    if (!p)
        return model_longest_run() >= n ? "NULL though a run exists" : NULL;
    if ((uintptr_t)p % P || p < arena || pfn_of(p) + n > 400)
        return "misaligned or out of range";
    for (uint64_t i = pfn_of(p); i < pfn_of(p) + n; i++)
        if (model_used[i])
            return "page not free in the model";
    if (!all_bytes(p, n * P, 0))
        return "not zeroed";
    struct held *h = &held[nheld++];
    *h = (struct held){pfn_of(p), n, (unsigned char)(1 + rnd(250))};
    memset(p, h->tag, n * P);
    memset(model_used + h->pfn, 1, n);
    return NULL;
}

/* Free all of one held run or a random piece of it. */
static void stress_free(void)
{
    unsigned k = (unsigned)rnd(nheld);
    struct held h = held[k];
    uint64_t off = rnd(h.n), len = 1 + rnd(h.n - off);
    hc_pages_free(pg(h.pfn + off), len);
    memset(model_used + h.pfn + off, 0, len);
    held[k] = held[--nheld];
    if (off)
        held[nheld++] = (struct held){h.pfn, off, h.tag};
    if (off + len < h.n)
        held[nheld++] =
            (struct held){h.pfn + off + len, h.n - off - len, h.tag};
}

static const char *stress_verify(void)
{
    if (free_pages() != model_free())
        return "free count differs from the model";
    for (unsigned i = 0; i < nheld; i++)
        if (!all_bytes(pg(held[i].pfn), held[i].n * P, held[i].tag))
            return "a held run was overwritten";
    return NULL;
}

static void test_stress(void)
{
    const char *err = NULL;
    unsigned op;
    multi_init();
    for (uint64_t i = 0; i < 400; i++)
        model_used[i] = !multi_usable(i);
    nheld = 0;
    for (op = 0; op < 20000 && !err; op++) {
        if (nheld && (rnd(2) || nheld >= 300))
            stress_free();
        else
            err = stress_alloc(rnd(8) ? 1 + rnd(6) : 1 + rnd(100));
        if (!err && op % 97 == 0)
            err = stress_verify();
    }
    if (!err)
        err = stress_verify();
    tap_check(!err,
              "stress: 20000 random allocs and partial frees agree "
              "with a model",
              "op %u: %s", op, err);
}

/* hc_pages_reserve: exactly the pages asked for, only if all are free
 * and allocatable (app/exec puts executables at their link address). */
static void test_reserve(void)
{
    init_one(64);
    size_t before = free_pages();
    int r = hc_pages_reserve(pg(8), 4);
    memset(pg(8), FILL, 4 * P);
    tap_check(r == 0 && free_pages() == before - 4,
              "reserve: free pages at an address are taken", "rc %d", r);
    tap_check(hc_pages_reserve(pg(10), 4) == -EBUSY,
              "reserve: a range with a page in use is refused", NULL);
    tap_check(free_pages() == before - 4,
              "reserve: a refused range takes nothing", NULL);
    void *next = hc_pages_alloc(1);
    tap_check(next && (pfn_of(next) < 8 || pfn_of(next) >= 12),
              "reserve: alloc does not hand out reserved pages", NULL);
    hc_pages_free(next, 1);
    tap_check(hc_pages_reserve(pg(1) + 1, 1) == -EINVAL &&
                  hc_pages_reserve(pg(60), 8) == -EINVAL &&
                  hc_pages_reserve(pg(20), 0) == -EINVAL,
              "reserve: unaligned, past the end, or empty: EINVAL", NULL);
    r = hc_pages_reserve(pg(12), 1);
    tap_check(r == 0 && all_bytes(pg(12), P, 0),
              "reserve: the pages come zeroed", "rc %d", r);
    hc_pages_free(pg(8), 5);
    tap_check(free_pages() == before, "reserve: reserved pages free", NULL);
}

int main(void)
{
    arena = mmap(NULL, ARENA_PAGES * P, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (arena == MAP_FAILED) {
        tap_check(0, "map the arena", "mmap failed");
        return tap_done();
    }
    test_init_errors();
    test_one_region();
    test_unzeroed();
    test_runs_disjoint();
    test_exhaustion();
    test_word_boundary();
    test_fragmentation();
    test_partial_free();
    test_double_free();
    test_foreign_free();
    test_huge_count_free();
    test_multi_region();
    test_multi_singles();
    test_multi_foreign_free();
    test_bitmap_home();
    test_big_bitmap();
    test_stress();
    test_reserve();
    return tap_done();
}
