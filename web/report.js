/*
 * report.js - the page of `shmcheck --html` (web/report.html): summary, a <canvas> timeline
 * and the findings, from <script id="shmcheck-data"> (docs/report-format.md, section 7).
 * What the programs chose (argv, paths, names) reaches the page as textContent or fillText,
 * never as HTML. For 1,000 processes and 100,000 calls the timeline draws only what is in
 * sight, merges what is narrower than a pixel, and hit-tests in JS (no DOM per item).
 * window.shmcheckView is what the page shows, for tests/cli/test_html_browser.py.
 */
(function () {
  'use strict';
  // The text report's order of kinds, and its SUMMARY line (src/cli/text.c): each
  // count, the words after it, the kind it counts (an error's count red, a warning's amber).
  const KINDS = [['leaked_segment', 'Leaked segments'], ['invalid_detach', 'Invalid detaches'],
    ['unmatched_attach', 'Unmatched attaches'], ['failed_call', 'Failed calls'], ['lint', 'Lints']];
  const COUNTS = [['leaked_segments', ' leaked segment(s) (', 'leaked_segment'], ['leaked_bytes', ' bytes), ', 'leaked_segment'],
    ['unmatched_attaches', ' unmatched attach(es), ', 'unmatched_attach'], ['inherited_unmatched', ' inherited unmatched, ',
      'inherited_unmatched'], ['invalid_detaches', ' invalid detach(es), ', 'invalid_detach'],
    ['failed_calls', ' failed call(s), ', 'failed_call'], ['lints', ' lint(s); ', 'lint'], ['suppressed', ' suppressed', '']];
  const ROW = 20, AXIS = 22, GUTTER = 240, MAX_LANES = 3;
  const HOT = '#e4002b', PICK = '#ffb400', MIXED = '#7a8290', INK = '#1d232b';
  const HOW = ['shmdt', 'exit', 'exec', 'still attached, or unknown'];
  const MARKS = ['failed call', 'invalid detach', 'lint'], GLYPHS = ['✖', '◆', '▲'];

  const $ = (id) => document.getElementById(id);
  function el(tag, cls, text, parent) {   // text as text, never as HTML
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = String(text);   // eslint-disable-line eqeqeq
    return parent ? parent.appendChild(e) : e;
  }
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(hi, v));
  const range = (xs) => xs.reduce(([lo, hi], x) => [Math.min(lo, x), Math.max(hi, x)], [Infinity, -Infinity]);   // no spread: 100,000 items
  const secs = (us) => (us < 0 ? 'unknown' : (us / 1e6).toFixed(6) + ' s');
  const hexKey = (k) => '0x' + (k >>> 0).toString(16).padStart(8, '0');

  // ---- the data
  const data = JSON.parse($('shmcheck-data').textContent);
  const rep = data.report, tl = data.timeline || {}, F = rep.findings || [], SRC = tl.sources || {};
  const P = tl.processes || [], S = tl.segments || [], A = tl.attachments || [], M = tl.markers || [];
  // The kinds --errors made errors (the data says; the defaults else).
  const ERRORS = new Set(data.errors || ['leaked_segment', 'invalid_detach']);
  const procs = new Map((rep.processes || []).map((p) => [p.pid, p]));
  const END = tl.end > 0 ? tl.end : Math.max(1, range([...P.map((p) => p[3]), ...S.map((s) => s[6]), ...A.map((a) => a[4])])[1]);
  const until = (t) => (t < 0 ? END : t), from = (t) => (t < 0 ? 0 : t);   // -1: never ended; began before all known

  // ---- the words of the text report
  function command(pid) {   // " (argv)", at most 8 words; " (comm)" without a journal
    const p = procs.get(pid) || {}, argv = p.argv || [];
    return argv.length ? ' (' + argv.slice(0, 8).join(' ') + (argv.length > 8 ? ' ...)' : ')') : p.comm ? ' (' + p.comm + ')' : '';
  }
  const isError = (f) => ERRORS.has(f.kind === 'unmatched_attach' && f.inherited ? 'inherited_unmatched' : f.kind);
  function headline(f) {
    const where = ' in pid ' + f.pid + command(f.pid);
    switch (f.kind) {
    case 'leaked_segment':
      return 'leaked segment: shmid ' + f.shmid + ' key ' + f.key + ', ' + f.size + ' bytes, created by pid ' +
        f.creator_pid + command(f.creator_pid) + (f.seen_by === 'kernel'
        ? ', seen by the kernel only (no journal has its creation)' : ', never removed (IPC_RMID)');
    case 'unmatched_attach':
      return 'unmatched attach' + (f.inherited ? ' (inherited through fork)' : '') + ': shmid ' + f.shmid + ' at ' +
        f.addr + where + ', never detached before ' + (f.ended_by === 'signal' ? 'a signal' : f.ended_by || 'exit');
    case 'invalid_detach':
      return 'invalid detach: shmdt(' + f.addr + ') -> ' + f.errno + where + ': ' + (f.message || 'not attached');
    case 'failed_call':
      return 'failed call: ' + f.call + ' -> ' + f.errno + where + (f.message ? ': shmcheck: ' + f.message : '');
    default:
      return 'lint ' + f.rule + ': ' + f.message + ' (shmid ' + f.shmid + ', pid ' + f.pid + ')';
    }
  }
  const exitText = (e) => (e && e.signal !== undefined ? 'killed by signal ' + e.signal
    : e && typeof e.status === 'number' ? 'exit status ' + e.status : 'exit unknown');

  // ---- summary
  function renderSummary() {
    const box = $('summary'), s = rep.summary || {}, shown = {}, cmd = (rep.command || []).join(' ');
    const all = rep.processes || [], untraced = all.filter((p) => !p.traced).length;
    document.title = 'shmcheck: ' + cmd;
    box.replaceChildren(el('h1', null, 'shmcheck report'));
    el('code', null, cmd || '(replay)', el('p', 'run', 'command: ', box));
    el('p', 'run', exitText(rep.exit) + ' · duration ' + (tl.end >= 0 ? (tl.end / 1e6).toFixed(3) + ' s' : 'unknown') +
      ' · ' + all.length + ' process(es), ' + untraced + ' untraced · shmcheck ' + rep.version, box);
    const line = el('p', 'summary-line', 'SUMMARY: shmcheck: ', box);
    for (const [field, words, kind] of COUNTS) {
      const n = Number(s[field] || 0);
      const c = el('b', 'count' + (n && ERRORS.has(kind) ? ' bad' : n && kind ? ' some' : ''), n, line);
      c.dataset.field = field;
      shown[field] = Number(c.textContent);
      line.append(words);
    }
    const warnings = el('ul', 'warnings', null, box);   // untraced processes, lost records...
    (rep.warnings || []).forEach((w) => el('li', null, 'warning: ' + w, warnings));
    if (tl.dropped > 0) el('li', null, 'the timeline leaves out ' + tl.dropped + ' rows (too many to keep)', warnings);
    return Object.freeze(shown);
  }

  // ---- findings, grouped by kind as in the text report, each with its stack and source
  const some = (ids) => ids.slice(0, 10).join(', ') + (ids.length > 10 ? ' and ' + (ids.length - 10) + ' more' : '');
  function source(src, box) {   // the lines around the call (src.line), the call's own marked
    const pre = el('pre', 'source', null, box);
    pre.title = src.file;
    src.lines.forEach((text, k) => el('div', src.line === src.first + k ? 'call' : null, null, pre)
      .append(el('span', 'ln', src.first + k), String(text)));
  }
  function findingBlock(i, box) {
    const f = F[i], d = el('div', 'finding ' + (isError(f) ? 'error' : 'warning'), null, box);
    d.dataset.index = i;
    el('div', 'headline', null, d).append(el('span', 'level', isError(f) ? 'ERROR' : 'WARNING'), headline(f));
    if (f.count > 1 && f.pids) el('div', 'occ', f.count + ' times in ' + f.pids.length + ' process(es) (pids ' + some(f.pids) + ')' +
      (f.segments && f.segments.length > 1 ? '; segments: shmid ' + some(f.segments.map((g) => g.shmid)) : ''), d);
    const list = el('ol', 'stack mono', null, d);
    (f.stack || []).forEach((fr, k) => el('li', null, null, list).append(   // #K PC in FUNCTION FILE:LINE (MODULE+OFFSET)
      el('span', 'pc', '#' + k + ' ' + fr.pc + ' in '), el('span', 'fn', fr.function || '??'),
      el('span', 'loc', fr.file ? ' ' + fr.file + ':' + (fr.line || 0) : ''),
      el('span', 'mod', fr.module ? ' (' + fr.module.replace(/.*\//, '') + '+' + fr.offset + ')' : '')));
    if (SRC[i] && Array.isArray(SRC[i].lines)) source(SRC[i], d);
  }
  function renderFindings() {   // kinds this page does not know are left out, as the format asks
    const box = $('finding-list');
    for (const [kind, title] of KINDS) {
      const idx = F.map((f, i) => (f.kind === kind ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) continue;
      const group = el('div', 'group', null, box);
      el('span', 'n', '(' + idx.length + ')', el('h3', null, title + ' ', group));
      idx.forEach((i) => findingBlock(i, group));
    }
    if (!box.children.length) el('p', 'none', 'No findings.', box);
    box.addEventListener('click', (e) => e.target.closest('.finding') && pick(Number(e.target.closest('.finding').dataset.index), false));
  }

  // ---- the timeline's rows: the processes as a tree (each under its parent, by
  // start), each with its attachments in lanes and its marks; then one row a segment
  function processRows() {
    const at = new Map(P.map((p, i) => [p[0], i])), kids = P.map(() => []), roots = [], rows = [];
    P.forEach((p, i) => (at.has(p[1]) && at.get(p[1]) !== i ? kids[at.get(p[1])] : roots).push(i));
    const byStart = (a, b) => P[a][2] - P[b][2] || P[a][0] - P[b][0], rowOf = new Int32Array(P.length).fill(-1);
    kids.forEach((k) => k.sort(byStart));
    const visit = (root) => {   // depth first, without recursion: chains of 1,000 forks
      for (const todo = [[root, 0, -1]]; todo.length;) {
        const [i, depth, parent] = todo.pop();
        if (rowOf[i] >= 0) continue;
        rowOf[i] = rows.length;
        rows.push({ p: i, depth, parent, atts: [], marks: [], lanes: 1 });
        for (let k = kids[i].length - 1; k >= 0; k--) todo.push([kids[i][k], depth + 1, rowOf[i]]);
      }
    };
    roots.sort(byStart).forEach(visit);
    P.forEach((p, i) => visit(i));   // those in a cycle of ppids (reused pids)
    return { rows, rowOfPid: new Map(P.map((p, i) => [p[0], rowOf[i]])) };
  }
  const lane = new Uint8Array(A.length);
  function placeLanes(row) {   // a process's overlapping attachments side by side
    const busy = [];   // when each lane is free again
    for (const k of row.atts.sort((a, b) => A[a][3] - A[b][3])) {
      const free = busy.findIndex((end) => end <= from(A[k][3]));
      lane[k] = free >= 0 ? free : busy.length < MAX_LANES ? busy.length : busy.indexOf(Math.min(...busy));
      busy[lane[k]] = until(A[k][4]);
    }
    row.lanes = Math.max(1, busy.length);
  }
  const { rows, rowOfPid } = processRows(), nProcRows = rows.length;
  let bars = 0;
  A.forEach((a, k) => rowOfPid.has(a[0]) && rows[rowOfPid.get(a[0])].atts.push(k) && bars++);
  M.forEach((m, k) => rowOfPid.has(m[0]) && rows[rowOfPid.get(m[0])].marks.push(k));
  rows.forEach((row) => { placeLanes(row); row.marks.sort((a, b) => M[a][1] - M[b][1]); });
  const segRow = new Int32Array(S.length);
  // The segment an attachment at t is of: its shmid's row created last by then (S is sorted by creation).
  const segAt = (shmid, t) => S.reduce((b, s, k) => (s[0] === shmid && (b < 0 || s[4] <= t) ? k : b), -1);
  S.map((s, k) => k).sort((a, b) => S[a][4] - S[b][4] || S[a][0] - S[b][0])
    .forEach((k) => { segRow[k] = rows.length; rows.push({ seg: k }); });
  // What finding fi has on the timeline: the items whose last field names it.
  const linked = (list, fi) => list.flatMap((x, k) => (x[x.length - 1] === fi ? [k] : []));

  // ---- the view: the time range and the rows in sight (scale 0: the whole run, at the first resize)
  const canvas = document.querySelector('#timeline canvas'), ctx = canvas.getContext('2d');
  const box = canvas.parentElement, tip = $('tooltip');
  const V = { t0: 0, scale: 0, y: 0, w: 0, h: 0, sel: -1, hl: { a: [], s: [], m: [] }, hlRows: new Set() };
  const plotW = () => Math.max(1, V.w - GUTTER - 8), plotH = () => Math.max(1, V.h - AXIS);
  const X = (t) => GUTTER + (t - V.t0) * V.scale, T = (x) => V.t0 + (x - GUTTER) / V.scale;
  const rowY = (r) => AXIS + r * ROW - V.y, fitScale = () => plotW() / END;
  function clampView() {
    V.scale = clamp(V.scale, fitScale(), 200);   // down to 1 µs in 200 px
    V.t0 = clamp(V.t0, 0, Math.max(0, END - plotW() / V.scale));
    V.y = clamp(V.y, 0, Math.max(0, rows.length * ROW - plotH()));
  }
  function resize() {   // the canvas at the screen's own resolution, as tall as its rows, at most 45% of the window
    const dpr = window.devicePixelRatio || 1, fitted = V.scale <= fitScale() * 1.0001;
    box.style.height = clamp(AXIS + rows.length * ROW + 2, 120, Math.round(innerHeight * 0.45)) + 'px';
    [V.w, V.h, canvas.width, canvas.height] = [box.clientWidth, box.clientHeight, box.clientWidth * dpr, box.clientHeight * dpr];
    Object.assign(canvas.style, { width: V.w + 'px', height: V.h + 'px' });
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    if (fitted) V.scale = fitScale();
    clampView();
    draw();
  }
  let queued = false;
  const redraw = () => { if (!queued) { queued = true; requestAnimationFrame(draw); } };

  // ---- drawing
  const segColour = (shmid) => 'hsl(' + (100 + ((shmid * 47) % 150)) + ',45%,50%)';   // red is the findings'
  const bar = (x0, x1, y, h, colour) => { ctx.fillStyle = colour; ctx.fillRect(x0, y, Math.max(1, x1 - x0), h); };
  function clipped(x, y, w, h, paint) {   // paint() inside a rectangle only
    ctx.save(); ctx.beginPath(); ctx.rect(x, y, w, h); ctx.clip(); paint(); ctx.restore();
  }
  const write = (text, x, y, colour, font) => { ctx.fillStyle = colour; ctx.font = font || '12px system-ui, sans-serif'; ctx.fillText(text, x, y); };
  function grid() {   // a tick every 1, 2 or 5 times a power of ten, some 90 px apart
    const raw = 90 / V.scale, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw);
    const [div, unit] = step >= 1e5 ? [1e6, 's'] : step >= 100 ? [1e3, 'ms'] : [1, 'µs'];
    const digits = Math.max(0, -Math.floor(Math.log10(step / div) + 1e-9));
    for (let t = Math.ceil(V.t0 / step) * step; X(t) <= V.w; t += step) {
      bar(Math.round(X(t)), Math.round(X(t)) + 1, AXIS, V.h, '#eef1f4');
      write((t / div).toFixed(digits) + ' ' + unit, X(t) + 3, 15, '#66707c', '11px system-ui, sans-serif');
    }
  }
  function drawBars(row, y) {   // by start, so the first past the right edge ends it
    const lh = (ROW - 4) / row.lanes, runs = [];
    for (const k of row.atts) {
      const a = A[k], x = X(from(a[3])), x1 = X(until(a[4])), top = y + 2 + lane[k] * lh;
      if (x > V.w) break;
      if (x1 < GUTTER) continue;
      const colour = a[6] >= 0 ? HOT : segColour(a[1]), r = runs[lane[k]];
      if (x1 - x >= 1) bar(x, x1, top, lh - 1, colour);
      else if (r && x <= r.x1 + 1)   // narrower than a pixel: one sliver for all its neighbours, red if any is
        [r.x1, r.c] = [Math.max(r.x1, x1), r.c === HOT || colour === HOT ? HOT : r.c === colour ? colour : MIXED];
      else {
        if (r) bar(r.x0, r.x1, r.top, lh - 1, r.c);   // the sliver before it, done
        runs[lane[k]] = { x0: x, x1, top, c: colour };
      }
    }
    runs.forEach((r) => r && bar(r.x0, r.x1, r.top, lh - 1, r.c));
  }
  function drawProcess(row, y) {   // its life, the fork from its parent, its execs, its marks
    const p = P[row.p], mid = y + ROW / 2, x0 = Math.round(X(from(p[2])));
    bar(x0, X(until(p[3])), mid - 2, 4, p[5] ? '#c9d0d8' : '#e4e7ea');
    if (row.parent >= 0 && p[2] >= 0) bar(x0, x0 + 1, rowY(row.parent) + ROW / 2, mid - rowY(row.parent) - ROW / 2, '#9aa3ad');
    for (const t of p[4] || []) bar(X(t) - 1, X(t) + 1, y + 1, ROW - 2, '#4d5660');
    drawBars(row, y);
    let last = -1;
    for (const k of row.marks) {   // one a pixel
      const x = Math.round(X(M[k][1]));
      if (x !== last && x >= GUTTER && x <= V.w) write(GLYPHS[M[k][2]] || '?', x - 5, mid + 5, M[k][3] >= 0 ? HOT : MIXED);
      last = x;
    }
  }
  function drawSegment(row, y) {   // alive to IPC_RMID, then pale until really gone
    const s = S[row.seg], live = s[5] >= 0 ? s[5] : until(s[6]), colour = s[7] >= 0 ? HOT : segColour(s[0]);
    bar(X(from(s[4])), X(live), y + 4, ROW - 8, colour);
    if (s[5] >= 0) { ctx.globalAlpha = 0.35; bar(X(s[5]), X(until(s[6])), y + 4, ROW - 8, colour); ctx.globalAlpha = 1; }
  }
  function place(what, k) {   // where item k ('a', 's' or 'm') is: [row, x0, x1, top in its row, height]
    if (what === 's') return [segRow[k], X(from(S[k][4])), X(until(S[k][6])), 4, ROW - 8];
    const r = rowOfPid.get((what === 'a' ? A : M)[k][0]);
    if (what === 'm') return [r, X(M[k][1]) - 6, X(M[k][1]) + 6, 3, ROW - 6];
    const lh = r === undefined ? 0 : (ROW - 4) / rows[r].lanes;
    return [r, X(from(A[k][3])), X(until(A[k][4])), 2 + lane[k] * lh, lh - 1];
  }
  const placed = () => ['a', 's', 'm'].flatMap((w) => V.hl[w].map((k) => place(w, k)));   // the picked finding's items
  function label(row, y) {
    if (row.seg !== undefined) {
      const s = S[row.seg];
      bar(6, 16, y + 5, ROW - 10, s[7] >= 0 ? HOT : segColour(s[0]));
      return write('shmid ' + s[0] + ' ' + hexKey(s[1]) + ' ' + s[2] + ' B', 22, y + 14, INK);
    }
    const p = P[row.p], info = procs.get(p[0]) || {};
    const argv = (info.argv || []).map((a, k) => (k ? a : a.replace(/.*\//, ''))).join(' ');   // the program's base name
    write(p[0] + ' ' + (argv || info.comm || '') + (p[5] ? '' : ' (untraced)'), 6 + Math.min(row.depth, 16) * 10, y + 14,
      p[5] ? INK : '#8a939d');
  }
  function draw() {
    queued = false;
    ctx.clearRect(0, 0, V.w, V.h);
    const first = Math.floor(V.y / ROW), last = Math.min(rows.length, Math.ceil((V.y + plotH()) / ROW));
    clipped(GUTTER, 0, V.w - GUTTER, V.h, grid);
    clipped(GUTTER, AXIS, V.w - GUTTER, plotH(), () => {   // the rows, below the axis
      for (let r = first; r < last; r++) {
        const row = rows[r], y = rowY(r);
        if (r % 2 || V.hlRows.has(r)) bar(GUTTER, V.w, y, ROW, V.hlRows.has(r) ? '#fff1cc' : '#f8f9fb');
        (row.seg !== undefined ? drawSegment : drawProcess)(row, y);
      }
      [ctx.strokeStyle, ctx.lineWidth] = [PICK, 3];   // the picked finding's items, outlined
      for (const [r, x0, x1, top, h] of placed())
        if (r >= first && r < last) ctx.strokeRect(Math.min(x0, x1 - 4) - 2, rowY(r) + top - 2, Math.max(4, x1 - x0) + 4, h + 4);
    });
    clipped(0, AXIS, GUTTER - 4, plotH(), () => { for (let r = first; r < last; r++) label(rows[r], rowY(r)); });
    bar(GUTTER - 1, GUTTER, 0, V.h, '#d8dde3');
    bar(0, V.w, AXIS - 1, 1, '#d8dde3');
    const all = rows.length * ROW;   // where the rows in sight are among all: a thumb on the right
    if (all > plotH()) bar(V.w - 5, V.w - 1, AXIS + plotH() * V.y / all, Math.max(8, plotH() * plotH() / all), '#b7bec6');
  }

  // ---- hover and click: the item under the pointer, in the row under it
  function hit(mx, my) {
    const r = Math.floor((my - AXIS + V.y) / ROW), row = rows[r];
    if (my < AXIS || !row) return null;
    if (row.seg !== undefined) return { w: 's', k: row.seg };
    if (mx < GUTTER) return { w: 'p', k: row.p };
    const t = T(mx), slack = 3 / V.scale, l = Math.floor((my - rowY(r) - 2) / ((ROW - 4) / row.lanes));
    for (const k of row.marks) if (Math.abs(X(M[k][1]) - mx) <= 6) return { w: 'm', k };
    let best = null;
    for (const k of row.atts) {   // a finding's bar rather than another in the same pixel
      const over = lane[k] === l && from(A[k][3]) - slack <= t && until(A[k][4]) + slack >= t;
      if (over && (!best || A[k][6] >= 0)) best = { w: 'a', k };
    }
    const p = P[row.p];
    return best || (t >= from(p[2]) - slack && t <= until(p[3]) + slack ? { w: 'p', k: row.p } : null);
  }
  const findingOf = (h) => (h && h.w !== 'p' ? { a: A, s: S, m: M }[h.w][h.k].at(-1) : -1);   // an item's last field
  function describe(h) {   // the tooltip: plain text, a fact a line
    const x = { p: P, a: A, s: S, m: M }[h.w][h.k], out = [];
    if (h.w === 'a') out.push('attachment at ' + x[2] + ' from ' + secs(x[3]) + ' to ' + secs(x[4]) + ' (' + HOW[x[5]] + ')');
    if (h.w === 'm') out.push(MARKS[x[2]] + ' at ' + secs(x[1]));
    if (h.w !== 's') out.push('pid ' + x[0] + command(x[0]));
    if (h.w === 'p') out.push('parent ' + x[1] + ', from ' + secs(x[2]) + ' to ' + secs(x[3]), exitText((procs.get(x[0]) || {}).exit) +
      (x[5] ? '' : ', not traced'), ...(x[4] || []).map((t) => 'exec at ' + secs(t)));
    const s = h.w === 's' ? x : h.w === 'a' ? S[segAt(x[1], x[3])] : null;   // the segment, or the one attached
    if (s) out.push('shmid ' + s[0] + ' key ' + hexKey(s[1]) + ', ' + s[2] + ' bytes, created by pid ' + s[3] + ' at ' +
      secs(s[4]), 'IPC_RMID ' + (s[5] < 0 ? 'never' : 'at ' + secs(s[5])) + ', gone ' + (s[6] < 0 ? 'never' : 'at ' + secs(s[6])));
    const f = F[findingOf(h)];
    if (f) out.push('', (isError(f) ? 'ERROR: ' : 'WARNING: ') + headline(f), ...(f.stack || []).map((fr, k) =>
      '  #' + k + ' ' + (fr.function || '??') + (fr.file ? ' ' + fr.file + ':' + (fr.line || 0) : '')));
    return out.join('\n');
  }
  function hover(mx, my) {
    const h = hit(mx, my);
    tip.hidden = !h;
    if (!h) return;
    tip.textContent = describe(h);   // beside the pointer, inside the box
    Object.assign(tip.style, { left: Math.min(mx + 14, Math.max(0, V.w - tip.offsetWidth - 4)) + 'px',
      top: (my + 16 + tip.offsetHeight > V.h ? Math.max(0, my - tip.offsetHeight - 8) : my + 16) + 'px' });
  }

  // ---- a finding picked, in the list or on the timeline: each shows it in the other
  function pick(i, fromCanvas) {
    V.sel = F[i] ? i : -1;
    V.hl = V.sel < 0 ? { a: [], s: [], m: [] } : { a: linked(A, V.sel), s: linked(S, V.sel), m: linked(M, V.sel) };
    V.hlRows = new Set(placed().map((p) => p[0]).filter((r) => r !== undefined));
    document.querySelectorAll('.finding').forEach((d) => d.classList.toggle('selected', Number(d.dataset.index) === V.sel));
    if (fromCanvas && V.sel >= 0) document.querySelector('.finding[data-index="' + V.sel + '"]').scrollIntoView({ block: 'nearest' });
    if (!fromCanvas && V.hlRows.size) {   // its first row a third down; all its times in sight
      const top = range([...V.hlRows])[0] * ROW, [lo, hi] = range(placed().flatMap((p) => [T(p[1]), T(p[2])]));
      if (top < V.y || top + ROW > V.y + plotH()) V.y = top - plotH() / 3;
      const span = plotW() / V.scale;
      if (hi - lo > span) [V.scale, V.t0] = [plotW() / ((hi - lo) * 1.1), lo - (hi - lo) * 0.05];
      else if (lo < V.t0 || hi > V.t0 + span) V.t0 = (lo + hi - span) / 2;
      clampView();
    }
    redraw();
  }

  // ---- zoom (wheel, buttons) and pan (drag, shift+wheel)
  function pan(dt, dy) { [V.t0, V.y] = [V.t0 + dt, V.y + dy]; clampView(); redraw(); }
  function zoom(factor, mx) {   // the time under mx stays under it
    const t = T(mx);
    V.scale = clamp(V.scale * factor, fitScale(), 200);
    pan(t - (mx - GUTTER) / V.scale - V.t0, 0);
  }
  const local = (e) => { const b = canvas.getBoundingClientRect(); return [e.clientX - b.left, e.clientY - b.top]; };
  let drag = null;
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    if (e.shiftKey) pan(0, e.deltaY || e.deltaX);
    else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) pan(e.deltaX / V.scale, 0);   // a touchpad's sideways
    else zoom(Math.exp(-e.deltaY * 0.002), Math.max(local(e)[0], GUTTER));
  }, { passive: false });
  canvas.addEventListener('pointerdown', (e) => { drag = { x: e.clientX, y: e.clientY }; canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener('pointermove', (e) => {
    if (!drag) return hover(...local(e));
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;   // a click may wobble
    [drag, tip.hidden] = [{ x: e.clientX, y: e.clientY, moved: true }, true];
    canvas.classList.add('dragging');
    pan(-dx / V.scale, -dy);
  });
  canvas.addEventListener('pointerup', (e) => {   // a click, unless it dragged
    canvas.classList.remove('dragging');
    if (drag && !drag.moved) pick(findingOf(hit(...local(e))), true);
    drag = null;
  });
  canvas.addEventListener('pointerleave', () => { tip.hidden = true; });
  [['zoom-in', 2], ['zoom-out', 0.5], ['zoom-fit', 0]].forEach(([id, f]) =>   // fit: the least scale, the whole run
    $(id).addEventListener('click', () => zoom(f, GUTTER + plotW() / 2)));
  window.addEventListener('resize', resize);

  // ---- first paint, then what the tests read
  const summary = renderSummary();
  renderFindings();
  resize();
  window.shmcheckView = Object.freeze({
    rows: nProcRows, bars, segments: S.length, markers: M.length, summary, selected: () => V.sel,
    view: () => ({ t0: V.t0, scale: V.scale, y: V.y }),   // the time at the left edge, pixels a µs, rows scrolled
    highlighted: () => ({ attachments: [...V.hl.a], segments: [...V.hl.s], markers: [...V.hl.m] }),
    where(what, k) {   // the centre of item k ('a', 's', 'm') on the canvas, in CSS pixels; null out of sight
      const [r, x0, x1, top, h] = place(what, k), y = rowY(r) + top + h / 2;
      return r === undefined || y < AXIS || y > V.h || x1 < GUTTER || x0 > V.w ? null
        : { x: (Math.max(x0, GUTTER) + Math.min(x1, V.w)) / 2, y };
    },
    ready: true, readyAt: performance.now(),
  });
})();
