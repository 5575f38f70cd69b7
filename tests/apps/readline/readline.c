/*
 * readline: reads lines from the console (stdin) and answers each, until
 * a line "quit". Shows that read() on fd 0 blocks until input arrives and
 * loses nothing. Exits with the number of lines read before "quit".
 */
#include <stdio.h>
#include <string.h>

int main(void)
{
    char line[256];
    int n = 0;
    printf("readline: ready\n");
    fflush(stdout);
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!strcmp(line, "quit"))
            break;
        printf("got %d: %s\n", ++n, line);
        fflush(stdout);
    }
    printf("readline: %d lines\n", n);
    return n;
}
