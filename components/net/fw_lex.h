/*
 * fw_lex.h: the tokens of the rules file, between fw_lex.c and
 * fw_parse.c.
 */
#ifndef KILN_FW_LEX_H
#define KILN_FW_LEX_H

#include <stddef.h>

enum fw_tok {
    TOK_END, /* end of the text */
    TOK_NL,  /* end of a line (a statement ends there, or at ';') */
    TOK_SEMI,
    TOK_LBRACE,
    TOK_RBRACE,
    TOK_COMMA,
    TOK_NEQ, /* != */
    TOK_WORD,
    TOK_STRING, /* "..." without its quotes */
    TOK_BAD,    /* a character no token starts with */
};

#define FW_WORD_MAX 64

struct fw_lex {
    const char *p, *end;
    unsigned line;          /* of the token just read */
    enum fw_tok tok;        /* the token just read */
    char word[FW_WORD_MAX]; /* its text (WORD, STRING, BAD) */
    const char *line_start; /* of the current line, for a rule's text */
};

void fw_lex_init(struct fw_lex *lx, const char *text, size_t len);
enum fw_tok fw_lex_next(struct fw_lex *lx);

#endif
