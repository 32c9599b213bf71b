/*
 * findings.js - the list of findings, grouped by kind as in the text report, each with its
 * level, its headline, its occurrences, its stack and the source lines around its call.
 * Uses data.js's; gives renderFindings and showPicked (report.js wires them to the
 * timeline: a finding picked in either is shown in the other).
 */
(function (ns) {
  'use strict';
  const { $, el, F, SRC, isError, headline } = ns;

  // The text report's order of kinds, with their titles.
  const KINDS = [
    ['leaked_segment', 'Leaked segments'],
    ['invalid_detach', 'Invalid detaches'],
    ['unmatched_attach', 'Unmatched attaches'],
    ['failed_call', 'Failed calls'],
    ['lint', 'Lints'],
  ];

  // The first ten ids, and how many more: a finding may fold a thousand occurrences.
  function some(ids) {
    const more = ids.length > 10 ? ' and ' + (ids.length - 10) + ' more' : '';
    return ids.slice(0, 10).join(', ') + more;
  }

  // The lines around the call (src.line), numbered, the call's own marked.
  function source(src, box) {
    const pre = el('pre', 'source', null, box);
    pre.title = src.file;
    src.lines.forEach((text, k) => {
      const div = el('div', src.line === src.first + k ? 'call' : null, null, pre);
      div.append(el('span', 'ln', src.first + k), String(text));
    });
  }

  // "N times in K process(es) (pids ...)", and the segments when there are several.
  function occurrences(f, d) {
    const segs = f.segments && f.segments.length > 1
      ? '; segments: shmid ' + some(f.segments.map((g) => g.shmid)) : '';
    el('div', 'occ', f.count + ' times in ' + f.pids.length + ' process(es) (pids ' +
      some(f.pids) + ')' + segs, d);
  }

  // A frame as the text report writes it: #K PC in FUNCTION FILE:LINE (MODULE+OFFSET).
  function frame(fr, k, list) {
    el('li', null, null, list).append(
      el('span', 'pc', '#' + k + ' ' + fr.pc + ' in '),
      el('span', 'fn', fr.function || '??'),
      el('span', 'loc', fr.file ? ' ' + fr.file + ':' + (fr.line || 0) : ''),
      el('span', 'mod', fr.module ? ' (' + fr.module.replace(/.*\//, '') + '+' + fr.offset + ')'
        : ''));
  }

  // Finding i; its data-index is how a click on it, and the tests, name it.
  function findingBlock(i, box) {
    const f = F[i];
    const level = isError(f) ? 'ERROR' : 'WARNING';
    const d = el('div', 'finding ' + level.toLowerCase(), null, box);
    d.dataset.index = i;
    el('div', 'headline', null, d).append(el('span', 'level', level), headline(f));
    if (f.count > 1 && f.pids) occurrences(f, d);
    const list = el('ol', 'stack mono', null, d);
    (f.stack || []).forEach((fr, k) => frame(fr, k, list));
    if (SRC[i] && Array.isArray(SRC[i].lines)) source(SRC[i], d);
  }

  // Fills #finding-list; a click on a finding calls onPick(its index, false). Kinds this
  // page does not know are left out, as the format asks.
  function renderFindings(onPick) {
    const box = $('finding-list');
    for (const [kind, title] of KINDS) {
      const idx = F.map((f, i) => (f.kind === kind ? i : -1)).filter((i) => i >= 0);
      if (!idx.length) continue;
      const group = el('div', 'group', null, box);
      el('span', 'n', '(' + idx.length + ')', el('h3', null, title + ' ', group));
      idx.forEach((i) => findingBlock(i, group));
    }
    if (!box.children.length) el('p', 'none', 'No findings.', box);
    box.addEventListener('click', (e) => {
      const d = e.target.closest('.finding');
      if (d) onPick(Number(d.dataset.index), false);
    });
  }

  // Finding sel (-1: none) marked as picked; scrolled into sight when picked elsewhere.
  function showPicked(sel, scroll) {
    document.querySelectorAll('.finding').forEach((d) => {
      d.classList.toggle('selected', Number(d.dataset.index) === sel);
    });
    if (scroll && sel >= 0) {
      const d = document.querySelector('.finding[data-index="' + sel + '"]');
      d.scrollIntoView({ block: 'nearest' });
    }
  }

  Object.assign(ns, { renderFindings, showPicked });
})(shmc);
