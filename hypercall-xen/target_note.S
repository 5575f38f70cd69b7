/*
 * target_note.S: names this image's target ("xen") in a Kiln ELF note
 * (type 2), so scripts/kiln can tell a Xen image from a bare-metal one
 * before it boots anything (their PVH entry notes are identical).
 */
    .section .note.kiln, "a", @note
    .balign 4
    .long 5, 4, 2
    .asciz "Kiln"
    .balign 4
    .ascii "xen\0"
