/*
 * cmdline/test.c: host unit test of components/posix/cmdline.c, the
 * kernel command line parser: boot options before a standalone `--`,
 * application arguments after it, shell-like quotes and backslashes,
 * and cmdline_value() lookups among the options.
 *
 * links: components/posix/cmdline.c
 */
#include <stdlib.h>
#include <string.h>
#include "posix.h"
#include "tap.h"

static struct cmdline c;

/* Compare a NULL-terminated list of expected words with what was parsed;
 * on a mismatch describe it in msg. */
static int same_words(char *const *got, unsigned n, const char *const *want,
                      const char *side, char *msg, size_t len)
{
    unsigned w = 0;
    while (want[w])
        w++;
    if (n != w) {
        snprintf(msg, len, "%s: %u words, want %u", side, n, w);
        return 0;
    }
    for (unsigned i = 0; i < n; i++) {
        if (got[i] < c.buf || got[i] >= c.buf + sizeof c.buf) {
            snprintf(msg, len, "%s[%u] points outside buf", side, i);
            return 0;
        }
        if (strcmp(got[i], want[i]) != 0) {
            snprintf(msg, len, "%s[%u] = \"%s\", want \"%s\"", side, i, got[i],
                     want[i]);
            return 0;
        }
    }
    return 1;
}

/* line must parse into exactly opts and args (NULL-terminated lists). */
static void expect(const char *what, const char *line, const char *const *opts,
                   const char *const *args)
{
    char msg[256] = "";
    int rc = cmdline_parse(line, &c);
    if (rc != 0) {
        tap_check(0, what, "cmdline_parse returned %d", rc);
        return;
    }
    int ok = same_words(c.opt, c.nopt, opts, "opt", msg, sizeof msg) &&
             same_words(c.arg, c.narg, args, "arg", msg, sizeof msg);
    tap_check(ok, what, "%s", msg);
}

static void expect_error(const char *what, const char *line)
{
    int rc = cmdline_parse(line, &c);
    tap_check(rc == -1, what, "cmdline_parse returned %d", rc);
}

static const char *const none[] = {NULL};

static void test_splitting(void)
{
    expect("empty line", "", none, none);
    expect("only separators", " \t\n  ", none, none);
    expect("only options", "console=ttyS0 quiet",
           (const char *[]){"console=ttyS0", "quiet", NULL}, none);
    expect("only args after a leading --", "-- a b", none,
           (const char *[]){"a", "b", NULL});
    expect("a lone --", "--", none, none);
    expect("-- with spaces around", "  --  ", none, none);
    expect("options and args", "x=1 y -- prog arg",
           (const char *[]){"x=1", "y", NULL},
           (const char *[]){"prog", "arg", NULL});
    expect("a second -- is an ordinary arg", "x -- a -- b",
           (const char *[]){"x", NULL}, (const char *[]){"a", "--", "b", NULL});
    expect("a trailing second -- is an arg", "-- a --", none,
           (const char *[]){"a", "--", NULL});
    expect("tabs and newlines separate words", "a\tb\nc\t--\nd\te\n",
           (const char *[]){"a", "b", "c", NULL},
           (const char *[]){"d", "e", NULL});
    expect("--x, --- and x-- are ordinary words", "--x --- x--",
           (const char *[]){"--x", "---", "x--", NULL}, none);
}

static void test_quotes_and_escapes(void)
{
    expect("quoted arg with spaces", "-- \"hello world\" x", none,
           (const char *[]){"hello world", "x", NULL});
    expect("quotes inside a word", "a\"b c\"d", (const char *[]){"ab cd", NULL},
           none);
    expect("quoted option value", "msg=\"a b\tc\" q",
           (const char *[]){"msg=a b\tc", "q", NULL}, none);
    expect("single quotes are not special", "-- 'a b'", none,
           (const char *[]){"'a", "b'", NULL});
    expect("empty quotes give an empty word", "-- \"\" x", none,
           (const char *[]){"", "x", NULL});
    expect("escaped quotes", "-- \\\"quoted\\\"", none,
           (const char *[]){"\"quoted\"", NULL});
    expect("escaped backslash", "-- back\\\\slash", none,
           (const char *[]){"back\\slash", NULL});
    expect("escaped space joins words", "-- a\\ b c", none,
           (const char *[]){"a b", "c", NULL});
    expect("escaped quote inside quotes", "-- \"in \\\"q\\\" here\"", none,
           (const char *[]){"in \"q\" here", NULL});
    expect("quoted \"--\" is an ordinary word", "a \"--\" b",
           (const char *[]){"a", "--", "b", NULL}, none);
    expect("escaped \\-- is an ordinary word", "\\-- b",
           (const char *[]){"--", "b", NULL}, none);
    expect("--\"\" is an ordinary word", "--\"\" b",
           (const char *[]){"--", "b", NULL}, none);
}

static void test_malformed(void)
{
    expect_error("unterminated quote in options", "a \"b c");
    expect_error("unterminated quote in args", "-- x \"y");
    expect_error("a lone quote", "\"");
    expect_error("trailing backslash", "a b\\");
    expect_error("trailing backslash in args", "-- x\\");
    expect_error("trailing backslash inside quotes", "\"ab\\");
}

/* "w0 w1 ... w<n-1>", after "-- " when args is set. */
static void words(char *line, size_t len, unsigned n, int args)
{
    size_t at = (size_t)snprintf(line, len, "%s", args ? "--" : "");
    for (unsigned i = 0; i < n; i++)
        at += (size_t)snprintf(line + at, len - at, " w%u", i);
}

static void test_limits(void)
{
    char line[1024];
    words(line, sizeof line, CMDLINE_MAX_ARGS, 0);
    int rc = cmdline_parse(line, &c);
    tap_check(rc == 0 && c.nopt == 64 && strcmp(c.opt[63], "w63") == 0,
              "64 options parse", "rc %d nopt %u", rc, c.nopt);
    words(line, sizeof line, CMDLINE_MAX_ARGS + 1, 0);
    expect_error("65 options fail", line);
    words(line, sizeof line, CMDLINE_MAX_ARGS, 1);
    rc = cmdline_parse(line, &c);
    tap_check(rc == 0 && c.narg == 64 && strcmp(c.arg[63], "w63") == 0,
              "64 args parse", "rc %d narg %u", rc, c.narg);
    words(line, sizeof line, CMDLINE_MAX_ARGS + 1, 1);
    expect_error("65 args fail", line);

    words(line, sizeof line, CMDLINE_MAX_ARGS, 0);
    size_t at = strlen(line);
    line[at++] = ' ';
    words(line + at, sizeof line - at, CMDLINE_MAX_ARGS, 1);
    rc = cmdline_parse(line, &c);
    tap_check(rc == 0 && c.nopt == 64 && c.narg == 64,
              "64 options and 64 args together parse", "rc %d nopt %u narg %u",
              rc, c.nopt, c.narg);
}

/* A line of n copies of 'x', after "-- " when args is set. */
static char *long_word(size_t n, int args)
{
    char *s = malloc(n + 4), *w = args ? s + 3 : s;
    memcpy(s, "-- ", 3);
    memset(w, 'x', n);
    w[n] = '\0';
    return s;
}

/*
 * Any line the boot loader can hand over (at most CMDLINE_MAX - 1
 * characters) fits the buffer: a word's copy is never longer than the
 * word, and each word's NUL takes the place of a separator.
 */
static void test_buffer(void)
{
    char *s = long_word(3000, 1);
    expect_error("a 3000-character word fails cleanly", s);
    free(s);
    s = long_word(CMDLINE_MAX - 1, 0);
    int rc = cmdline_parse(s, &c);
    tap_check(rc == 0 && c.nopt == 1 && strlen(c.opt[0]) == CMDLINE_MAX - 1,
              "a 2047-character option fills the buffer exactly", "rc %d", rc);
    free(s);
    s = long_word(CMDLINE_MAX - 4, 1);
    rc = cmdline_parse(s, &c);
    tap_check(rc == 0 && c.narg == 1 && strlen(c.arg[0]) == CMDLINE_MAX - 4,
              "a 2047-character line \"-- xxx...\" fits", "rc %d", rc);
    free(s);
    s = long_word(CMDLINE_MAX, 0);
    expect_error("a 2048-character word fails", s);
    free(s);

    /* 60 words of 40 characters: under the word limit, over the bytes. */
    char line[3000];
    size_t at = 0;
    for (unsigned i = 0; i < 60; i++)
        at += (size_t)snprintf(line + at, sizeof line - at, "%040u ", i);
    expect_error("many words over 2048 bytes in total fail", line);

    rc = cmdline_parse("a -- b", &c);
    tap_check(rc == 0 && c.nopt == 1 && c.narg == 1,
              "the struct is reusable after a failed parse",
              "rc %d nopt %u narg %u", rc, c.nopt, c.narg);
}

/* Random lines from a nasty alphabet: parse returns 0 or -1 and, on
 * success, every word is a NUL-terminated string inside buf. */
static const char *fuzz_one(char *line, size_t len)
{
    static const char alphabet[] = "ab=- \t\n\"\\";
    for (size_t i = 0; i < len; i++)
        line[i] = alphabet[(unsigned)rand() % (sizeof alphabet - 1)];
    line[len] = '\0';
    int rc = cmdline_parse(line, &c);
    if (rc == -1)
        return NULL;
    if (rc != 0 || c.nopt > CMDLINE_MAX_ARGS || c.narg > CMDLINE_MAX_ARGS)
        return "bad result or count";
    for (unsigned i = 0; i < c.nopt + c.narg; i++) {
        const char *w = i < c.nopt ? c.opt[i] : c.arg[i - c.nopt];
        if (w < c.buf || !memchr(w, '\0', (size_t)(c.buf + CMDLINE_MAX - w)))
            return "word outside buf";
    }
    return NULL;
}

static void test_fuzz(void)
{
    static char line[CMDLINE_MAX];
    const char *err = NULL;
    unsigned i;
    srand(1);
    for (i = 0; i < 20000 && !err; i++)
        err = fuzz_one(line, (size_t)rand() % (i % 10 ? 200 : CMDLINE_MAX));
    tap_check(!err, "fuzz: 20000 random lines parse sanely", "line %u: %s", i,
              err);
}

/* ---- cmdline_value --------------------------------------------------- */

static void expect_value(const char *key, const char *want)
{
    char what[96];
    const char *got = cmdline_value(&c, key);
    snprintf(what, sizeof what, "value of \"%s\" is %s%s%s", key,
             want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
    int ok = want ? got && strcmp(got, want) == 0 : got == NULL;
    tap_check(ok, what, "got %s%s%s", got ? "\"" : "", got ? got : "NULL",
              got ? "\"" : "");
}

static void test_value(void)
{
    int rc = cmdline_parse("ipv6=1 ip=10.0.0.2 quiet debug=1 debug=2 "
                           "empty= root=LABEL=x msg=\"a b\" v v=1 w=1 w "
                           "-- ip=9 flag",
                           &c);
    tap_check(rc == 0, "value: line parses", "rc %d", rc);
    expect_value("ip", "10.0.0.2");
    expect_value("ipv6", "1");
    expect_value("quiet", "");
    expect_value("debug", "2");
    expect_value("empty", "");
    expect_value("root", "LABEL=x");
    expect_value("msg", "a b");
    expect_value("v", "1");
    expect_value("w", "");
    expect_value("flag", NULL);
    expect_value("i", NULL);
    expect_value("ipv", NULL);
    expect_value("quie", NULL);
    expect_value("quiet2", NULL);
    expect_value("absent", NULL);

    rc = cmdline_parse("", &c);
    tap_check(rc == 0 && cmdline_value(&c, "ip") == NULL,
              "value: nothing found on an empty line", NULL);
}

int main(void)
{
    test_splitting();
    test_quotes_and_escapes();
    test_malformed();
    test_limits();
    test_buffer();
    test_fuzz();
    test_value();
    return tap_done();
}
