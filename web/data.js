/*
 * data.js - the first of the scripts of the page `shmcheck --html` writes (web/report.html;
 * docs/report-format.md, section 7): the run's data, read from <script id="shmcheck-data">,
 * and the helpers and words of the text report that the other files share.
 *
 * How the files fit together. The build embeds web/'s scripts as the page's one <script>,
 * concatenated in this order (src/cli/assets.S; the Makefile's WEB_ASSETS):
 *
 *   data.js           the data, lookups, formatting, the text report's words
 *   summary.js        the summary at the top: the text report's SUMMARY line
 *   findings.js       the findings, grouped by kind, with stacks and source lines
 *   timeline_rows.js  the timeline's rows: processes as a tree, attachments in lanes
 *   timeline.js       the canvas: the view (time and rows in sight), drawing
 *   timeline_input.js hit-testing, the tooltip, zoom and pan
 *   report.js         wiring: picking a finding, the first paint, window.shmcheckView
 *
 * No module loader and no framework: the page is one file opened from disk, and its
 * Content-Security-Policy lets it load nothing. So each file is one function run at once
 * (an IIFE, its names its own), given `shmc`, the one name the files share (declared just
 * below): it takes from it what earlier files put there, and adds what it gives later ones.
 * Nothing is looked up in it later than that, so a file's first lines list all it uses.
 *
 * What the programs chose (argv, paths, names) reaches the page as textContent or fillText,
 * never as HTML.
 */
const shmc = {};

(function (ns) {
  'use strict';

  // ---- the DOM and numbers
  const $ = (id) => document.getElementById(id);

  // A new element, with its class and its text: text as text, never as HTML.
  function el(tag, cls, text, parent) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);   // eslint-disable-line eqeqeq
    return parent ? parent.appendChild(e) : e;
  }

  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));

  // [least, greatest] of xs. Not Math.min(...xs): 100,000 arguments overflow the stack.
  function range(xs) {
    const grow = ([lo, hi], x) => [Math.min(lo, x), Math.max(hi, x)];
    return xs.reduce(grow, [Infinity, -Infinity]);
  }

  // A time of the data (µs since the run's start) in seconds, as the text report writes it.
  const secs = (us) => (us < 0 ? 'unknown' : (us / 1e6).toFixed(6) + ' s');

  // A System V key (the data holds it as a number, read unsigned) as 8 hex digits.
  const hexKey = (k) => '0x' + (k >>> 0).toString(16).padStart(8, '0');

  // ---- the data: {"report": the --json report, "errors": [...], "timeline": rows}
  const data = JSON.parse($('shmcheck-data').textContent);
  const rep = data.report;
  const tl = data.timeline || {};
  const F = rep.findings || [];
  const SRC = tl.sources || {};   // the lines around a finding's call, by its index
  // The timeline's rows, arrays of fields (section 7 names them by index): PROCESS,
  // SEGMENT, ATTACHMENT, MARKER.
  const P = tl.processes || [];
  const S = tl.segments || [];
  const A = tl.attachments || [];
  const M = tl.markers || [];
  // The kinds --errors made errors (the data says; the defaults else).
  const ERRORS = new Set(data.errors || ['leaked_segment', 'invalid_detach']);
  const procs = new Map((rep.processes || []).map((p) => [p.pid, p]));

  // The run's end: the data's; without it, the latest end of any row. At least 1 µs, so
  // that the scale that fits the whole run is finite.
  function lastEnd() {
    const ends = [...P.map((p) => p[3]), ...S.map((s) => s[6]), ...A.map((a) => a[4])];
    return Math.max(1, range(ends)[1]);
  }
  const END = tl.end > 0 ? tl.end : lastEnd();

  // -1 as an end: never ended, so drawn to the end of the run; as a start: began before
  // all that is known, so drawn from its start.
  const until = (t) => (t < 0 ? END : t);
  const from = (t) => (t < 0 ? 0 : t);

  // ---- the words of the text report (src/cli/text.c)

  // " (argv)", at most 8 words; " (comm)" without a journal; nothing when neither is known.
  function command(pid) {
    const p = procs.get(pid) || {};
    const argv = p.argv || [];
    if (argv.length) {
      return ' (' + argv.slice(0, 8).join(' ') + (argv.length > 8 ? ' ...)' : ')');
    }
    return p.comm ? ' (' + p.comm + ')' : '';
  }

  // --errors names an inherited unmatched attach apart from the program's own.
  function isError(f) {
    const inherited = f.kind === 'unmatched_attach' && f.inherited;
    return ERRORS.has(inherited ? 'inherited_unmatched' : f.kind);
  }

  // A finding's first line, word for word the text report's.
  function headline(f) {
    const where = ' in pid ' + f.pid + command(f.pid);
    switch (f.kind) {
    case 'leaked_segment':
      return 'leaked segment: shmid ' + f.shmid + ' key ' + f.key + ', ' + f.size +
        ' bytes, created by pid ' + f.creator_pid + command(f.creator_pid) +
        (f.seen_by === 'kernel'
          ? ', seen by the kernel only (no journal has its creation)'
          : ', never removed (IPC_RMID)');
    case 'unmatched_attach':
      return 'unmatched attach' + (f.inherited ? ' (inherited through fork)' : '') +
        ': shmid ' + f.shmid + ' at ' + f.addr + where + ', never detached before ' +
        (f.ended_by === 'signal' ? 'a signal' : f.ended_by || 'exit');
    case 'invalid_detach':
      return 'invalid detach: shmdt(' + f.addr + ') -> ' + f.errno + where + ': ' +
        (f.message || 'not attached');
    case 'failed_call':
      return 'failed call: ' + f.call + ' -> ' + f.errno + where +
        (f.message ? ': shmcheck: ' + f.message : '');
    default:
      return 'lint ' + f.rule + ': ' + f.message + ' (shmid ' + f.shmid + ', pid ' + f.pid + ')';
    }
  }

  // How a process ended (the report's "exit" of the run or of a process).
  function exitText(e) {
    if (e && e.signal !== undefined) return 'killed by signal ' + e.signal;
    if (e && typeof e.status === 'number') return 'exit status ' + e.status;
    return 'exit unknown';
  }

  Object.assign(ns, {
    $, el, clamp, range, secs, hexKey,
    rep, tl, F, SRC, P, S, A, M, ERRORS, procs, END, until, from,
    command, isError, headline, exitText,
  });
})(shmc);
