// Small SVG charts for the control tower: horizontal bars and sparklines.
// No library: each function returns an <svg> element built with the DOM.
'use strict';

const Charts = (() => {
  const NS = 'http://www.w3.org/2000/svg';

  function el(name, attrs, text) {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // rows: [{label, value, text, cls}]; value >= 0 sets the bar's length,
  // text is printed after the bar (defaults to the value).
  function bars(rows, opts = {}) {
    const width = opts.width || 460;
    const labelW = opts.labelWidth || 130;
    const textW = opts.textWidth || 110;
    const rowH = 24;
    const height = Math.max(rowH, rows.length * rowH) + 6;
    const svg = el('svg', {class: 'chart', width, height, role: 'img',
                          'aria-label': opts.title || 'chart'});
    if (!rows.length) {
      svg.appendChild(el('text', {x: 0, y: 16}, opts.empty || 'nothing'));
      return svg;
    }
    const max = Math.max(...rows.map(r => r.value), 0) || 1;
    const span = width - labelW - textW - 10;
    rows.forEach((r, i) => {
      const y = i * rowH + 4;
      const g = el('g', {'data-label': r.label});
      const label = el('text', {x: labelW - 6, y: y + 14, 'text-anchor': 'end'},
                       clip(r.label, 20));
      label.appendChild(el('title', {}, r.label));
      g.appendChild(label);
      const w = Math.max(r.value > 0 ? 2 : 0, (r.value / max) * span);
      g.appendChild(el('rect', {class: 'bar ' + (r.cls || ''), x: labelW, y: y + 3,
                                width: w, height: rowH - 8, rx: 2}));
      g.appendChild(el('text', {class: 'value', x: labelW + w + 6, y: y + 14},
                       r.text !== undefined ? r.text : String(r.value)));
      svg.appendChild(g);
    });
    svg.appendChild(el('line', {class: 'axis', x1: labelW, x2: labelW, y1: 2,
                                y2: height - 2}));
    return svg;
  }

  // values: numbers, oldest first; draws the line and the area under it.
  function spark(values, opts = {}) {
    const width = opts.width || 140;
    const height = opts.height || 30;
    const svg = el('svg', {class: 'spark', width, height, role: 'img',
                          'aria-label': opts.title || 'trend'});
    if (values.length < 2) return svg;
    const max = Math.max(...values, 1);
    const step = width / (values.length - 1);
    const pts = values.map((v, i) => [i * step, height - 2 - (v / max) * (height - 4)]);
    const line = pts.map((p, i) => (i ? 'L' : 'M') + p[0].toFixed(1) + ' ' + p[1].toFixed(1))
                    .join(' ');
    svg.appendChild(el('path', {class: 'area',
                                d: line + ` L ${width} ${height} L 0 ${height} Z`}));
    svg.appendChild(el('path', {d: line}));
    return svg;
  }

  function clip(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  return {el, bars, spark, clip};
})();
