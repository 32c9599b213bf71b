/*
 * timeline_rows.js - the timeline's rows, computed once: the processes as a tree (each
 * under its parent, by start), each with its attachments in lanes and its marks; then one
 * row a segment. Uses data.js's; gives the rows and the lookups the canvas needs
 * (timeline.js, timeline_input.js), all in typed arrays or maps: 1,000 processes and
 * 100,000 calls must be ready in well under 2 s.
 */
(function (ns) {
  'use strict';
  const { P, S, A, M, from, until } = ns;

  const MAX_LANES = 3;   // a process's overlapping attachments side by side, at most

  // The process rows, depth first, and the row of each pid.
  function processRows() {
    const at = new Map(P.map((p, i) => [p[0], i]));
    const kids = P.map(() => []);
    const roots = [];
    const rows = [];
    P.forEach((p, i) => {
      const parent = at.get(p[1]);
      (at.has(p[1]) && parent !== i ? kids[parent] : roots).push(i);
    });
    const byStart = (a, b) => P[a][2] - P[b][2] || P[a][0] - P[b][0];
    const rowOf = new Int32Array(P.length).fill(-1);
    kids.forEach((k) => k.sort(byStart));

    // Depth first, without recursion: chains of 1,000 forks would overflow the stack.
    const visit = (root) => {
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

  const lane = new Uint8Array(A.length);   // each attachment's lane in its process's row

  // A process's attachments in lanes, by start: each in the first lane free by then; with
  // all MAX_LANES busy, in the one that is free first.
  function placeLanes(row) {
    const busy = [];   // when each lane is free again
    for (const k of row.atts.sort((a, b) => A[a][3] - A[b][3])) {
      const free = busy.findIndex((end) => end <= from(A[k][3]));
      if (free >= 0) lane[k] = free;
      else if (busy.length < MAX_LANES) lane[k] = busy.length;
      else lane[k] = busy.indexOf(Math.min(...busy));
      busy[lane[k]] = until(A[k][4]);
    }
    row.lanes = Math.max(1, busy.length);
  }

  const { rows, rowOfPid } = processRows();
  const nProcRows = rows.length;
  let bars = 0;   // the attachments drawn: those of a process the timeline has
  A.forEach((a, k) => {
    if (!rowOfPid.has(a[0])) return;
    rows[rowOfPid.get(a[0])].atts.push(k);
    bars++;
  });
  M.forEach((m, k) => {
    if (rowOfPid.has(m[0])) rows[rowOfPid.get(m[0])].marks.push(k);
  });
  rows.forEach((row) => {
    placeLanes(row);
    row.marks.sort((a, b) => M[a][1] - M[b][1]);   // by time: drawn one a pixel
  });

  // The segments' rows, after the processes', by creation.
  const segRow = new Int32Array(S.length);
  S.map((s, k) => k)
    .sort((a, b) => S[a][4] - S[b][4] || S[a][0] - S[b][0])
    .forEach((k) => {
      segRow[k] = rows.length;
      rows.push({ seg: k });
    });

  // The segment an attachment at t is of: its shmid's row created last by then (S is
  // sorted by creation). Only the tooltip asks, one at a time.
  function segAt(shmid, t) {
    return S.reduce((b, s, k) => (s[0] === shmid && (b < 0 || s[4] <= t) ? k : b), -1);
  }

  // What finding fi has on the timeline: the items of list whose last field names it.
  const linked = (list, fi) => list.flatMap((x, k) => (x[x.length - 1] === fi ? [k] : []));

  Object.assign(ns, { rows, nProcRows, bars, lane, rowOfPid, segRow, segAt, linked });
})(shmc);
