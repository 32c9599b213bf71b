/*
 * report.js - the last of the page's scripts (the order: data.js): wires the parts
 * together and starts the page. A finding picked in the list or on the timeline is shown
 * in the other; then the first paint, and window.shmcheckView: what the page shows, for
 * tests/cli/test_html_browser.py.
 */
(function (ns) {
  'use strict';
  const { S, M, renderSummary, renderFindings, showPicked, nProcRows, bars } = ns;
  const { V, select, bringIntoSight, redraw, resize, listen, where } = ns;

  // Finding i (-1: none) picked. Picked in the list (fromCanvas false): the timeline
  // brings its items into sight; picked on the canvas: the list scrolls to it.
  function pick(i, fromCanvas) {
    const sel = select(i);
    showPicked(sel, fromCanvas);
    if (!fromCanvas) bringIntoSight();
    redraw();
  }

  // ---- first paint, then what the tests read
  const summary = renderSummary();
  renderFindings(pick);
  listen(pick);
  resize();
  window.shmcheckView = Object.freeze({
    rows: nProcRows,
    bars,
    segments: S.length,
    markers: M.length,
    summary,
    selected: () => V.sel,
    // the time at the left edge, pixels a µs, rows scrolled (pixels)
    view: () => ({ t0: V.t0, scale: V.scale, y: V.y }),
    highlighted: () => ({ attachments: [...V.hl.a], segments: [...V.hl.s], markers: [...V.hl.m] }),
    where,   // (what, k): the centre of item k on the canvas, null out of sight
    ready: true,
    readyAt: performance.now(),
  });
})(shmc);
