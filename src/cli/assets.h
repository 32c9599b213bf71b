/*
 * assets.h - the HTML report's page as the build embeds it (assets.S:
 * web/report.html, report.css and the script, web/'s .js files in their
 * order, one after the other; each of the three NUL-terminated). Only
 * the CLI's main.c uses them: the unit tests and the fuzz targets, which
 * link the CLI's other sources, give the writer pages of their own.
 */
#ifndef SHMC_CLI_ASSETS_H
#define SHMC_CLI_ASSETS_H

extern const char cli_asset_html[], cli_asset_css[], cli_asset_js[];

#endif
