/*
 * image.c: is the image one kiln_cli.check_image passes as an ELF, so
 * that the launcher may boot it? A readable regular file, no ISO, an
 * ELF64 whose program headers and segments lie within the file, with a
 * "Kiln" note of type 1 carrying this kiln's ABI. Every other case,
 * a failure of kiln_cli's checks or one this does not know (ELF32, odd
 * notes), is left to the Python code, which says what is wrong.
 */
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln-run.h"
#include "table.h"

#define MAX_NOTES 65536     /* bytes of one PT_NOTE segment read */
#define ISO_MAGIC_AT 0x8001 /* ISO 9660's first volume descriptor */

static int read_at(int fd, void *buf, size_t len, off_t at)
{
    return pread(fd, buf, len, at) == (ssize_t)len ? 0 : -1;
}

static int is_iso(int fd)
{
    char magic[5];

    return read_at(fd, magic, 5, ISO_MAGIC_AT) == 0 &&
           memcmp(magic, "CD001", 5) == 0;
}

/* a name of NAME, then NULs only (Python's rstrip(b"\0")) */
static int padded_equal(const char *field, size_t len, const char *name)
{
    size_t n = strlen(name);

    if (len < n || memcmp(field, name, n) != 0)
        return 0;
    while (n < len && field[n] == '\0')
        n++;
    return n == len;
}

static size_t align4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

/* 1: a Kiln note with this ABI; 0: none in NOTES; -1: another ABI or
 * a note running past the segment */
static int kiln_note(const char *notes, size_t len)
{
    size_t pos = 0;
    Elf64_Nhdr n;

    while (pos + sizeof n <= len) {
        memcpy(&n, notes + pos, sizeof n);
        size_t name_at = pos + sizeof n;
        size_t desc_at = name_at + align4(n.n_namesz);
        if (n.n_namesz > len || n.n_descsz > len || desc_at > len ||
            desc_at + n.n_descsz > len)
            return -1;
        if (n.n_type == 1 && padded_equal(notes + name_at, n.n_namesz, "Kiln"))
            return padded_equal(notes + desc_at, n.n_descsz, TABLE_KILN_ABI)
                       ? 1
                       : -1;
        pos = desc_at + align4(n.n_descsz);
    }
    return 0;
}

static int segment_note(int fd, const Elf64_Phdr *ph)
{
    char *notes;
    int found;

    if (ph->p_filesz > MAX_NOTES || !(notes = malloc(ph->p_filesz + 1)))
        return -1;
    found = read_at(fd, notes, ph->p_filesz, ph->p_offset) == 0
                ? kiln_note(notes, ph->p_filesz)
                : -1;
    free(notes);
    return found;
}

/* the program headers: within the file, each segment too, one note */
static int check_segments(int fd, const Elf64_Ehdr *eh, off_t size)
{
    Elf64_Phdr ph;
    int i, found = 0;

    if (eh->e_phentsize != sizeof ph || eh->e_phoff > (Elf64_Off)size ||
        eh->e_phnum * sizeof ph > (Elf64_Off)size - eh->e_phoff)
        return -1;
    for (i = 0; i < eh->e_phnum && found >= 0; i++) {
        if (read_at(fd, &ph, sizeof ph, eh->e_phoff + i * sizeof ph) != 0 ||
            ph.p_offset > (Elf64_Off)size ||
            ph.p_filesz > (Elf64_Off)size - ph.p_offset)
            return -1;
        if (ph.p_type == PT_NOTE && !found)
            found = segment_note(fd, &ph);
    }
    return found == 1 ? 0 : -1;
}

static int check_elf(int fd, off_t size)
{
    Elf64_Ehdr eh;

    if (read_at(fd, &eh, sizeof eh, 0) != 0 ||
        memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB)
        return -1;
    return check_segments(fd, &eh, size);
}

int image_check(const char *path)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC), ok;

    if (fd < 0)
        return -1;
    ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && !is_iso(fd) &&
         check_elf(fd, st.st_size) == 0;
    close(fd);
    return ok ? 0 : -1;
}
