/*
 * target_note.S: names this image's target ("baremetal") in a Kiln ELF note
 * (type 2), so scripts/kiln can tell a Xen image from a bare-metal one
 * before it boots anything (their PVH entry notes are identical).
 */
    .section .note.kiln, "a", @note
    .balign 4
    .long 5, 10, 2
    .asciz "Kiln"
    .balign 4
    .asciz "baremetal"
    .balign 4
