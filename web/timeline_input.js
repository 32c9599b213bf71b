/*
 * timeline_input.js - the pointer and the buttons on the timeline: hit-testing (in JS, in
 * the one row under the pointer: there is no DOM per item), the tooltip, a click that
 * picks a finding, zoom (wheel, buttons) and pan (drag, shift+wheel). Uses data.js's,
 * timeline_rows.js's and timeline.js's; gives listen (report.js calls it once).
 */
(function (ns) {
  'use strict';
  const { $, clamp, secs, hexKey, F, P, S, A, M, procs, until, from } = ns;
  const { command, exitText, isError, headline } = ns;
  const { rows, lane, segAt } = ns;
  const { ROW, AXIS, GUTTER, canvas, tip, V, plotW, X, T, rowY, fitScale } = ns;
  const { clampView, resize, redraw } = ns;

  const HOW = ['shmdt', 'exit', 'exec', 'still attached, or unknown'];   // ATTACHMENT's how
  const MARKS = ['failed call', 'invalid detach', 'lint'];   // MARKER's kind
  const ROWS_OF = { p: P, a: A, s: S, m: M };

  // The item under (mx, my), in the row under it: {w: 'p', 'a', 's' or 'm', k: its index}
  // or null. A mark, else an attachment, else the process's life (3 px of slack each side).
  function hit(mx, my) {
    const r = Math.floor((my - AXIS + V.y) / ROW);
    const row = rows[r];
    if (my < AXIS || !row) return null;
    if (row.seg !== undefined) return { w: 's', k: row.seg };
    if (mx < GUTTER) return { w: 'p', k: row.p };
    const t = T(mx);
    const slack = 3 / V.scale;
    const l = Math.floor((my - rowY(r) - 2) / ((ROW - 4) / row.lanes));
    for (const k of row.marks) {
      if (Math.abs(X(M[k][1]) - mx) <= 6) return { w: 'm', k };
    }
    let best = null;
    for (const k of row.atts) {   // a finding's bar rather than another in the same pixel
      const over = lane[k] === l && from(A[k][3]) - slack <= t && until(A[k][4]) + slack >= t;
      if (over && (!best || A[k][6] >= 0)) best = { w: 'a', k };
    }
    if (best) return best;
    const p = P[row.p];
    return t >= from(p[2]) - slack && t <= until(p[3]) + slack ? { w: 'p', k: row.p } : null;
  }

  // The finding a hit item is (part of): its row's last field; -1 for none or a process.
  const findingOf = (h) => (h && h.w !== 'p' ? ROWS_OF[h.w][h.k].at(-1) : -1);

  // The tooltip's text: plain text, a fact a line.
  function describe(h) {
    const x = ROWS_OF[h.w][h.k];
    const out = [];
    if (h.w === 'a') {
      out.push('attachment at ' + x[2] + ' from ' + secs(x[3]) + ' to ' + secs(x[4]) +
        ' (' + HOW[x[5]] + ')');
    }
    if (h.w === 'm') out.push(MARKS[x[2]] + ' at ' + secs(x[1]));
    if (h.w !== 's') out.push('pid ' + x[0] + command(x[0]));
    if (h.w === 'p') {
      out.push('parent ' + x[1] + ', from ' + secs(x[2]) + ' to ' + secs(x[3]),
        exitText((procs.get(x[0]) || {}).exit) + (x[5] ? '' : ', not traced'),
        ...(x[4] || []).map((t) => 'exec at ' + secs(t)));
    }
    const s = h.w === 's' ? x : h.w === 'a' ? S[segAt(x[1], x[3])] : null;   // or the one attached
    if (s) {
      out.push('shmid ' + s[0] + ' key ' + hexKey(s[1]) + ', ' + s[2] + ' bytes, created by pid ' +
        s[3] + ' at ' + secs(s[4]), 'IPC_RMID ' + (s[5] < 0 ? 'never' : 'at ' + secs(s[5])) +
        ', gone ' + (s[6] < 0 ? 'never' : 'at ' + secs(s[6])));
    }
    const f = F[findingOf(h)];
    if (f) {
      const frames = (f.stack || []).map((fr, k) => '  #' + k + ' ' + (fr.function || '??') +
        (fr.file ? ' ' + fr.file + ':' + (fr.line || 0) : ''));
      out.push('', (isError(f) ? 'ERROR: ' : 'WARNING: ') + headline(f), ...frames);
    }
    return out.join('\n');
  }

  // The tooltip of the item under the pointer, beside it, inside the box; hidden over none.
  function hover(mx, my) {
    const h = hit(mx, my);
    tip.hidden = !h;
    if (!h) return;
    tip.textContent = describe(h);
    const left = Math.min(mx + 14, Math.max(0, V.w - tip.offsetWidth - 4));
    const below = my + 16 + tip.offsetHeight <= V.h;
    const top = below ? my + 16 : Math.max(0, my - tip.offsetHeight - 8);
    Object.assign(tip.style, { left: left + 'px', top: top + 'px' });
  }

  // ---- zoom and pan

  function pan(dt, dy) {
    V.t0 += dt;
    V.y += dy;
    clampView();
    redraw();
  }

  function zoom(factor, mx) {   // the time under mx stays under it
    const t = T(mx);
    V.scale = clamp(V.scale * factor, fitScale(), 200);
    pan(t - (mx - GUTTER) / V.scale - V.t0, 0);
  }

  // An event's position on the canvas, in CSS pixels.
  function local(e) {
    const b = canvas.getBoundingClientRect();
    return [e.clientX - b.left, e.clientY - b.top];
  }

  // The canvas's, the buttons' and the window's listeners; a click on an item calls
  // onPick(its finding or -1, true).
  function listen(onPick) {
    let drag = null;   // where the pointer went down or last dragged to; moved: a drag
    canvas.addEventListener('wheel', (e) => {
      e.preventDefault();
      if (e.shiftKey) {
        pan(0, e.deltaY || e.deltaX);
      } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        pan(e.deltaX / V.scale, 0);   // a touchpad's sideways
      } else {
        zoom(Math.exp(-e.deltaY * 0.002), Math.max(local(e)[0], GUTTER));
      }
    }, { passive: false });
    canvas.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY };
      canvas.setPointerCapture(e.pointerId);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!drag) return hover(...local(e));
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.abs(dx) + Math.abs(dy) < 4) return;   // a click may wobble
      drag = { x: e.clientX, y: e.clientY, moved: true };
      tip.hidden = true;
      canvas.classList.add('dragging');
      pan(-dx / V.scale, -dy);
    });
    canvas.addEventListener('pointerup', (e) => {   // a click, unless it dragged
      canvas.classList.remove('dragging');
      if (drag && !drag.moved) onPick(findingOf(hit(...local(e))), true);
      drag = null;
    });
    canvas.addEventListener('pointerleave', () => {
      tip.hidden = true;
    });
    // fit: the least scale, the whole run
    for (const [id, factor] of [['zoom-in', 2], ['zoom-out', 0.5], ['zoom-fit', 0]]) {
      $(id).addEventListener('click', () => zoom(factor, GUTTER + plotW() / 2));
    }
    window.addEventListener('resize', resize);
  }

  ns.listen = listen;
})(shmc);
