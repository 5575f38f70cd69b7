/*
 * fw_lex.c: the tokens of the rules file (fw_parse.c's input): words
 * (names, numbers, addresses, prefixes, ranges, ADDR:PORT), quoted
 * strings, braces, commas, semicolons, "!=" and line ends; "#" starts
 * a comment to the end of the line, and a backslash before a line end
 * joins two lines, as in nft. A word longer than FW_WORD_MAX - 1 is
 * cut short (the parser then refuses it as unknown).
 *
 * Pure code: host unit tested (tests/unit/net-fw-rules).
 */
#include <string.h>
#include "fw_lex.h"

void fw_lex_init(struct fw_lex *lx, const char *text, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->p = text;
    lx->end = text + len;
    lx->line = 1;
    lx->line_start = text;
}

static int is_word_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
           c == '/' || c == '-';
}

/* Blanks, comments and joined lines before the next token. */
static void lex_skip(struct fw_lex *lx)
{
    while (lx->p < lx->end) {
        char c = *lx->p;
        if (c == ' ' || c == '\t' || c == '\r') {
            lx->p++;
        } else if (c == '#') {
            while (lx->p < lx->end && *lx->p != '\n')
                lx->p++;
        } else if (c == '\\' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
            lx->p += 2;
            lx->line++;
        } else {
            return;
        }
    }
}

static void lex_copy(struct fw_lex *lx, const char *s, size_t n)
{
    if (n >= FW_WORD_MAX)
        n = FW_WORD_MAX - 1;
    memcpy(lx->word, s, n);
    lx->word[n] = 0;
}

static enum fw_tok lex_string(struct fw_lex *lx)
{
    const char *s = ++lx->p;
    while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\n')
        lx->p++;
    if (lx->p >= lx->end || *lx->p != '"') {
        lex_copy(lx, "\"", 1);
        return TOK_BAD; /* unterminated */
    }
    lex_copy(lx, s, (size_t)(lx->p - s));
    lx->p++;
    return TOK_STRING;
}

static enum fw_tok lex_punct(struct fw_lex *lx, char c)
{
    lx->p++;
    switch (c) {
    case ';': return TOK_SEMI;
    case '{': return TOK_LBRACE;
    case '}': return TOK_RBRACE;
    case ',': return TOK_COMMA;
    case '!':
        if (lx->p < lx->end && *lx->p == '=') {
            lx->p++;
            return TOK_NEQ;
        }
        break;
    default: break;
    }
    lex_copy(lx, &c, 1);
    return TOK_BAD;
}

enum fw_tok fw_lex_next(struct fw_lex *lx)
{
    if (lx->tok == TOK_NL) {
        lx->line++;
        lx->line_start = lx->p;
    }
    lex_skip(lx);
    lx->word[0] = 0;
    if (lx->p >= lx->end)
        return lx->tok = TOK_END;
    char c = *lx->p;
    if (c == '\n') {
        lx->p++;
        return lx->tok = TOK_NL;
    }
    if (c == '"')
        return lx->tok = lex_string(lx);
    if (!is_word_char(c))
        return lx->tok = lex_punct(lx, c);
    const char *s = lx->p;
    while (lx->p < lx->end && is_word_char(*lx->p))
        lx->p++;
    lex_copy(lx, s, (size_t)(lx->p - s));
    return lx->tok = TOK_WORD;
}
