/*
 * assets.S - the HTML report's page (web/report.html, report.css,
 * report.js), embedded in the CLI as NUL-terminated strings (assets.h).
 *
 * .incbin rather than `ld -r -b binary`: the symbols are named here, not
 * after the path ld was given (which a build from another directory would
 * change); each part gets its NUL and lands in .rodata, not writable
 * .data; the object says it needs no executable stack (ld -b binary's
 * lacks the note, which newer linkers warn about); and the compiler
 * driver assembles it for whatever CC targets, without naming ld's
 * emulation. No generated file: make runs from the top of the tree, where
 * the paths below are, and names the three files as prerequisites
 * (.incbin is not seen by -MMD).
 */
        .section .rodata
        .balign 16
        .globl cli_asset_html
        .type cli_asset_html, %object
cli_asset_html:
        .incbin "web/report.html"
        .byte 0
        .size cli_asset_html, . - cli_asset_html

        .balign 16
        .globl cli_asset_css
        .type cli_asset_css, %object
cli_asset_css:
        .incbin "web/report.css"
        .byte 0
        .size cli_asset_css, . - cli_asset_css

        .balign 16
        .globl cli_asset_js
        .type cli_asset_js, %object
cli_asset_js:
        .incbin "web/report.js"
        .byte 0
        .size cli_asset_js, . - cli_asset_js

        .section .note.GNU-stack, "", %progbits
