/*
 * summary.js - the top of the page: the command, how it ended, and the text report's
 * SUMMARY line, count for count (tests/cli/test_html_browser.py compares the two), then
 * the report's warnings. Uses data.js's; gives renderSummary (report.js calls it).
 */
(function (ns) {
  'use strict';
  const { $, el, rep, tl, ERRORS, exitText } = ns;

  // The SUMMARY line of src/cli/text.c: each count's field, the words after it, and the kind
  // it counts, so that an error's count is red (bad) and a warning's amber (some).
  const COUNTS = [
    ['leaked_segments', ' leaked segment(s) (', 'leaked_segment'],
    ['leaked_bytes', ' bytes), ', 'leaked_segment'],
    ['unmatched_attaches', ' unmatched attach(es), ', 'unmatched_attach'],
    ['inherited_unmatched', ' inherited unmatched, ', 'inherited_unmatched'],
    ['invalid_detaches', ' invalid detach(es), ', 'invalid_detach'],
    ['failed_calls', ' failed call(s), ', 'failed_call'],
    ['lints', ' lint(s); ', 'lint'],
    ['suppressed', ' suppressed', ''],
  ];

  function duration() {
    return tl.end >= 0 ? (tl.end / 1e6).toFixed(3) + ' s' : 'unknown';
  }

  // Fills <header id="summary">; returns the counts as shown, for window.shmcheckView.
  function renderSummary() {
    const box = $('summary');
    const s = rep.summary || {};
    const shown = {};
    const cmd = (rep.command || []).join(' ');
    const all = rep.processes || [];
    const untraced = all.filter((p) => !p.traced).length;

    document.title = 'shmcheck: ' + cmd;
    box.replaceChildren(el('h1', null, 'shmcheck report'));
    el('code', null, cmd || '(replay)', el('p', 'run', 'command: ', box));
    el('p', 'run', exitText(rep.exit) + ' · duration ' + duration() + ' · ' + all.length +
      ' process(es), ' + untraced + ' untraced · shmcheck ' + rep.version, box);

    const line = el('p', 'summary-line', 'SUMMARY: shmcheck: ', box);
    for (const [field, words, kind] of COUNTS) {
      const n = Number(s[field] || 0);
      const level = n && ERRORS.has(kind) ? ' bad' : n && kind ? ' some' : '';
      const c = el('b', 'count' + level, n, line);
      c.dataset.field = field;
      shown[field] = Number(c.textContent);   // what the page shows, not what it was given
      line.append(words);
    }

    const warnings = el('ul', 'warnings', null, box);   // untraced processes, lost records...
    (rep.warnings || []).forEach((w) => el('li', null, 'warning: ' + w, warnings));
    if (tl.dropped > 0) {
      el('li', null, 'the timeline leaves out ' + tl.dropped + ' rows (too many to keep)',
        warnings);
    }
    return Object.freeze(shown);
  }

  ns.renderSummary = renderSummary;
})(shmc);
