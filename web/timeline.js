/*
 * timeline.js - the <canvas> timeline: the view (the time range and the rows in sight) and
 * the drawing. For 1,000 processes and 100,000 calls it draws only the rows in sight,
 * stops at the first bar past the right edge, and merges what is narrower than a pixel;
 * there is no DOM per item (timeline_input.js hit-tests in JS). Uses data.js's and
 * timeline_rows.js's; gives the view and what picking, hovering and zooming need.
 */
(function (ns) {
  'use strict';
  const { $, clamp, range, hexKey, F, P, S, A, M, END, until, from, procs } = ns;
  const { rows, lane, rowOfPid, segRow, linked } = ns;

  // Sizes in CSS pixels: a row, the time axis above the rows, the labels left of them.
  const ROW = 20;
  const AXIS = 22;
  const GUTTER = 240;
  // Red is the findings' (report.css: --hot), amber the picked one's (--pick).
  const HOT = '#e4002b';
  const PICK = '#ffb400';
  const MIXED = '#7a8290';   // slivers of several segments merged, or a suppressed mark
  const INK = '#1d232b';
  const GLYPHS = ['✖', '◆', '▲'];   // a marker's kind: failed call, invalid detach, lint

  const canvas = document.querySelector('#timeline canvas');
  const ctx = canvas.getContext('2d');
  const box = canvas.parentElement;

  // ---- the view: the time at the left edge, pixels a µs (0: the whole run, at the first
  // resize), the rows scrolled (pixels); the picked finding and its items and rows
  const V = { t0: 0, scale: 0, y: 0, w: 0, h: 0, sel: -1, hl: { a: [], s: [], m: [] },
    hlRows: new Set() };
  const plotW = () => Math.max(1, V.w - GUTTER - 8);
  const plotH = () => Math.max(1, V.h - AXIS);
  const X = (t) => GUTTER + (t - V.t0) * V.scale;   // a time's x on the canvas
  const T = (x) => V.t0 + (x - GUTTER) / V.scale;   // and back
  const rowY = (r) => AXIS + r * ROW - V.y;
  const fitScale = () => plotW() / END;

  function clampView() {
    V.scale = clamp(V.scale, fitScale(), 200);   // down to 1 µs in 200 px
    V.t0 = clamp(V.t0, 0, Math.max(0, END - plotW() / V.scale));
    V.y = clamp(V.y, 0, Math.max(0, rows.length * ROW - plotH()));
  }

  // The canvas at the screen's own resolution, as tall as its rows, at most 45% of the
  // window; the whole run still fitted if it was.
  function resize() {
    const dpr = window.devicePixelRatio || 1;
    const fitted = V.scale <= fitScale() * 1.0001;
    const tall = AXIS + rows.length * ROW + 2;
    box.style.height = clamp(tall, 120, Math.round(innerHeight * 0.45)) + 'px';
    V.w = box.clientWidth;   // read both before the canvas changes size
    V.h = box.clientHeight;
    canvas.width = V.w * dpr;
    canvas.height = V.h * dpr;
    Object.assign(canvas.style, { width: V.w + 'px', height: V.h + 'px' });
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (fitted) V.scale = fitScale();
    clampView();
    draw();
  }

  // At most one drawing a frame, however many events ask.
  let queued = false;
  function redraw() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(draw);
  }

  // ---- drawing
  const segColour = (shmid) => 'hsl(' + (100 + ((shmid * 47) % 150)) + ',45%,50%)';   // no red

  function bar(x0, x1, y, h, colour) {   // at least a pixel wide
    ctx.fillStyle = colour;
    ctx.fillRect(x0, y, Math.max(1, x1 - x0), h);
  }

  function clipped(x, y, w, h, paint) {   // paint() inside a rectangle only
    ctx.save();
    ctx.beginPath();
    ctx.rect(x, y, w, h);
    ctx.clip();
    paint();
    ctx.restore();
  }

  function write(text, x, y, colour, font) {   // fillText: the programs' words stay text
    ctx.fillStyle = colour;
    ctx.font = font || '12px system-ui, sans-serif';
    ctx.fillText(text, x, y);
  }

  function grid() {   // a tick every 1, 2 or 5 times a power of ten, some 90 px apart
    const raw = 90 / V.scale;
    const p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
    const [div, unit] = step >= 1e5 ? [1e6, 's'] : step >= 100 ? [1e3, 'ms'] : [1, 'µs'];
    const digits = Math.max(0, -Math.floor(Math.log10(step / div) + 1e-9));
    for (let t = Math.ceil(V.t0 / step) * step; X(t) <= V.w; t += step) {
      bar(Math.round(X(t)), Math.round(X(t)) + 1, AXIS, V.h, '#eef1f4');
      write((t / div).toFixed(digits) + ' ' + unit, X(t) + 3, 15, '#66707c',
        '11px system-ui, sans-serif');
    }
  }

  // A process's attachments, by start, so the first past the right edge ends it. Those
  // narrower than a pixel make one sliver with their neighbours in the lane, red if any is.
  function drawBars(row, y) {
    const lh = (ROW - 4) / row.lanes;
    const runs = [];   // each lane's sliver being merged: {x0, x1, top, c}
    for (const k of row.atts) {
      const a = A[k];
      const x = X(from(a[3]));
      const x1 = X(until(a[4]));
      const top = y + 2 + lane[k] * lh;
      if (x > V.w) break;
      if (x1 < GUTTER) continue;
      const colour = a[6] >= 0 ? HOT : segColour(a[1]);
      const r = runs[lane[k]];
      if (x1 - x >= 1) {
        bar(x, x1, top, lh - 1, colour);
      } else if (r && x <= r.x1 + 1) {
        r.x1 = Math.max(r.x1, x1);
        r.c = r.c === HOT || colour === HOT ? HOT : r.c === colour ? colour : MIXED;
      } else {
        if (r) bar(r.x0, r.x1, r.top, lh - 1, r.c);   // the sliver before it, done
        runs[lane[k]] = { x0: x, x1, top, c: colour };
      }
    }
    runs.forEach((r) => r && bar(r.x0, r.x1, r.top, lh - 1, r.c));
  }

  // A process's life (pale if untraced), the fork from its parent, its execs, its marks.
  function drawProcess(row, y) {
    const p = P[row.p];
    const mid = y + ROW / 2;
    const x0 = Math.round(X(from(p[2])));
    bar(x0, X(until(p[3])), mid - 2, 4, p[5] ? '#c9d0d8' : '#e4e7ea');
    if (row.parent >= 0 && p[2] >= 0) {
      const parentMid = rowY(row.parent) + ROW / 2;
      bar(x0, x0 + 1, parentMid, mid - parentMid, '#9aa3ad');
    }
    for (const t of p[4] || []) bar(X(t) - 1, X(t) + 1, y + 1, ROW - 2, '#4d5660');
    drawBars(row, y);
    let last = -1;
    for (const k of row.marks) {   // one a pixel
      const x = Math.round(X(M[k][1]));
      if (x !== last && x >= GUTTER && x <= V.w) {
        write(GLYPHS[M[k][2]] || '?', x - 5, mid + 5, M[k][3] >= 0 ? HOT : MIXED);
      }
      last = x;
    }
  }

  // A segment: alive to its IPC_RMID, then pale until really gone.
  function drawSegment(row, y) {
    const s = S[row.seg];
    const live = s[5] >= 0 ? s[5] : until(s[6]);
    const colour = s[7] >= 0 ? HOT : segColour(s[0]);
    bar(X(from(s[4])), X(live), y + 4, ROW - 8, colour);
    if (s[5] >= 0) {
      ctx.globalAlpha = 0.35;
      bar(X(s[5]), X(until(s[6])), y + 4, ROW - 8, colour);
      ctx.globalAlpha = 1;
    }
  }

  // Where item k ('a', 's' or 'm') is: [row, x0, x1, top in its row, height].
  function place(what, k) {
    if (what === 's') return [segRow[k], X(from(S[k][4])), X(until(S[k][6])), 4, ROW - 8];
    const r = rowOfPid.get((what === 'a' ? A : M)[k][0]);
    if (what === 'm') return [r, X(M[k][1]) - 6, X(M[k][1]) + 6, 3, ROW - 6];
    const lh = r === undefined ? 0 : (ROW - 4) / rows[r].lanes;
    return [r, X(from(A[k][3])), X(until(A[k][4])), 2 + lane[k] * lh, lh - 1];
  }

  // Where the picked finding's items are.
  const placed = () => ['a', 's', 'm'].flatMap((w) => V.hl[w].map((k) => place(w, k)));

  // A row's label, left of the plot: a segment's id, key and size; a process's pid and
  // command, indented by its depth in the tree.
  function label(row, y) {
    if (row.seg !== undefined) {
      const s = S[row.seg];
      bar(6, 16, y + 5, ROW - 10, s[7] >= 0 ? HOT : segColour(s[0]));
      return write('shmid ' + s[0] + ' ' + hexKey(s[1]) + ' ' + s[2] + ' B', 22, y + 14, INK);
    }
    const p = P[row.p];
    const info = procs.get(p[0]) || {};
    // the program's base name, then its arguments
    const argv = (info.argv || []).map((a, k) => (k ? a : a.replace(/.*\//, ''))).join(' ');
    const text = p[0] + ' ' + (argv || info.comm || '') + (p[5] ? '' : ' (untraced)');
    write(text, 6 + Math.min(row.depth, 16) * 10, y + 14, p[5] ? INK : '#8a939d');
  }

  // The rows in sight, the picked finding's items outlined, the labels, the scroll thumb.
  function draw() {
    queued = false;
    ctx.clearRect(0, 0, V.w, V.h);
    const first = Math.floor(V.y / ROW);
    const last = Math.min(rows.length, Math.ceil((V.y + plotH()) / ROW));
    clipped(GUTTER, 0, V.w - GUTTER, V.h, grid);
    clipped(GUTTER, AXIS, V.w - GUTTER, plotH(), () => {   // the rows, below the axis
      for (let r = first; r < last; r++) {
        const row = rows[r];
        const y = rowY(r);
        const picked = V.hlRows.has(r);   // banded: a picked finding's, or every other row
        if (r % 2 || picked) bar(GUTTER, V.w, y, ROW, picked ? '#fff1cc' : '#f8f9fb');
        (row.seg !== undefined ? drawSegment : drawProcess)(row, y);
      }
      ctx.strokeStyle = PICK;
      ctx.lineWidth = 3;
      for (const [r, x0, x1, top, h] of placed()) {
        if (r < first || r >= last) continue;
        ctx.strokeRect(Math.min(x0, x1 - 4) - 2, rowY(r) + top - 2, Math.max(4, x1 - x0) + 4,
          h + 4);
      }
    });
    clipped(0, AXIS, GUTTER - 4, plotH(), () => {
      for (let r = first; r < last; r++) label(rows[r], rowY(r));
    });
    bar(GUTTER - 1, GUTTER, 0, V.h, '#d8dde3');
    bar(0, V.w, AXIS - 1, 1, '#d8dde3');
    const all = rows.length * ROW;   // where the rows in sight are among all: a thumb on the right
    if (all > plotH()) {
      bar(V.w - 5, V.w - 1, AXIS + plotH() * V.y / all, Math.max(8, plotH() * plotH() / all),
        '#b7bec6');
    }
  }

  // ---- a finding picked (report.js: from the list or the canvas)

  // Finding i (-1, or one not in the data: none) picked: its items highlighted, their rows
  // banded. Returns the finding picked, or -1.
  function select(i) {
    V.sel = F[i] ? i : -1;
    V.hl = V.sel < 0 ? { a: [], s: [], m: [] }
      : { a: linked(A, V.sel), s: linked(S, V.sel), m: linked(M, V.sel) };
    V.hlRows = new Set(placed().map((p) => p[0]).filter((r) => r !== undefined));
    return V.sel;
  }

  // The picked finding's first row a third down, and all its times in sight (zoomed out
  // if they do not fit).
  function bringIntoSight() {
    if (!V.hlRows.size) return;
    const top = range([...V.hlRows])[0] * ROW;
    const [lo, hi] = range(placed().flatMap((p) => [T(p[1]), T(p[2])]));
    if (top < V.y || top + ROW > V.y + plotH()) V.y = top - plotH() / 3;
    const span = plotW() / V.scale;
    if (hi - lo > span) {
      V.scale = plotW() / ((hi - lo) * 1.1);
      V.t0 = lo - (hi - lo) * 0.05;
    } else if (lo < V.t0 || hi > V.t0 + span) {
      V.t0 = (lo + hi - span) / 2;
    }
    clampView();
  }

  // The centre of item k ('a', 's', 'm') on the canvas, in CSS pixels; null out of sight
  // (window.shmcheckView.where, for the tests to click it).
  function where(what, k) {
    const [r, x0, x1, top, h] = place(what, k);
    const y = rowY(r) + top + h / 2;
    if (r === undefined || y < AXIS || y > V.h || x1 < GUTTER || x0 > V.w) return null;
    return { x: (Math.max(x0, GUTTER) + Math.min(x1, V.w)) / 2, y };
  }

  Object.assign(ns, {
    ROW, AXIS, GUTTER, canvas, tip: $('tooltip'), V,
    plotW, X, T, rowY, fitScale, clampView, resize, redraw, select, bringIntoSight, where,
  });
})(shmc);
