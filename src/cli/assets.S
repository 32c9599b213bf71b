/*
 * assets.S - the HTML report's page (web/report.html, report.css, and the
 * script: web/'s .js files), embedded in the CLI as NUL-terminated strings
 * (assets.h).
 *
 * .incbin rather than `ld -r -b binary`: the symbols are named here, not
 * after the path ld was given (which a build from another directory would
 * change); each part gets its NUL and lands in .rodata, not writable
 * .data; the object says it needs no executable stack (ld -b binary's
 * lacks the note, which newer linkers warn about); and the compiler
 * driver assembles it for whatever CC targets, without naming ld's
 * emulation. No generated file: make runs from the top of the tree, where
 * the paths below are, and names the files as prerequisites (.incbin is
 * not seen by -MMD: the Makefile's WEB_ASSETS).
 *
 * The script is one string, cli_asset_js: the .js files back to back, in
 * the order they must run (each uses what the ones before it define: the
 * top of web/data.js), each followed by a line break so that a file that
 * does not end with one cannot run into the next. report_html.c sees one
 * script and checks all of it.
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
        .incbin "web/data.js"
        .byte 10
        .incbin "web/summary.js"
        .byte 10
        .incbin "web/findings.js"
        .byte 10
        .incbin "web/timeline_rows.js"
        .byte 10
        .incbin "web/timeline.js"
        .byte 10
        .incbin "web/timeline_input.js"
        .byte 10
        .incbin "web/report.js"
        .byte 10, 0
        .size cli_asset_js, . - cli_asset_js

        .section .note.GNU-stack, "", %progbits
