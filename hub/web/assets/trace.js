// Trace: the lineage around any id, drawn left to right in the order money
// flows (raw payload → record → entity version → event → schedule →
// journal entry → workflow → step → ERP posting, exceptions last), with a
// node's details beside it. TraceService.Trace.
'use strict';

(() => {
  const {h, rpc, money, when, bare, words} = App;
  const el = Charts.el;
  const ORDER = ['RAW_PAYLOAD', 'RECORD', 'ENTITY_VERSION', 'EVENT', 'SCHEDULE_VERSION',
                 'JOURNAL_ENTRY', 'WORKFLOW', 'WORKFLOW_STEP', 'ERP_POSTING', 'EXCEPTION'];
  const W = 176, H = 46, GAP_X = 40, GAP_Y = 12, TOP = 10, LEFT = 10;

  function kindOf(n) { return bare(n.kind, 'TRACE_NODE_KIND_'); }

  // Columns by depth along the links (a node sits one column right of the
  // furthest node pointing at it), so every link runs left to right, even
  // an event a posting emitted; within a column, nodes follow the mean row
  // of what points at them, so links cross less.
  function layout(nodes, edges) {
    const ids = new Set(nodes.map(n => n.id));
    const incoming = new Map(nodes.map(n => [n.id, []]));
    for (const e of edges) {
      if (ids.has(e.fromId) && ids.has(e.toId) && e.fromId !== e.toId) incoming.get(e.toId).push(e.fromId);
    }
    const depth = new Map();
    const visiting = new Set();
    const depthOf = (id) => {
      if (depth.has(id)) return depth.get(id);
      if (visiting.has(id)) return 0;  // a cycle: cut it here
      visiting.add(id);
      let d = 0;
      for (const from of incoming.get(id)) d = Math.max(d, depthOf(from) + 1);
      visiting.delete(id);
      depth.set(id, d);
      return d;
    };
    const byKind = (a, b) => ORDER.indexOf(kindOf(a)) - ORDER.indexOf(kindOf(b));
    const cols = [];
    for (const n of [...nodes].sort(byKind)) {
      const d = depthOf(n.id);
      (cols[d] = cols[d] || []).push(n);
    }
    const row = new Map();
    cols.forEach((col, ci) => {
      if (ci > 0) {
        const key = (n) => {
          const from = incoming.get(n.id).filter(id => row.has(id));
          return from.length ? from.reduce((a, id) => a + row.get(id), 0) / from.length : 1e9;
        };
        col.sort((a, b) => key(a) - key(b) || byKind(a, b));
      }
      col.forEach((n, ri) => row.set(n.id, ri));
    });
    const pos = new Map();
    cols.forEach((col, ci) => col.forEach((n, ri) => {
      pos.set(n.id, {x: LEFT + ci * (W + GAP_X), y: TOP + ri * (H + GAP_Y)});
    }));
    const height = TOP + Math.max(1, ...cols.map(c => c.length)) * (H + GAP_Y) + 10;
    const width = LEFT + cols.length * (W + GAP_X);
    return {pos, width, height};
  }

  function draw(resp, onPick) {
    const nodes = resp.nodes || [];
    const edges = resp.edges || [];
    const {pos, width, height} = layout(nodes, edges);
    const svg = el('svg', {width, height, role: 'img', 'aria-label': 'lineage graph'});
    for (const e of edges) {
      const a = pos.get(e.fromId), b = pos.get(e.toId);
      if (!a || !b) continue;
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2;
      const dx = Math.max(30, Math.abs(x2 - x1) / 2);
      const path = el('path', {class: 'edge', d: `M${x1} ${y1} C${x1 + dx} ${y1} ${x2 - dx} ${y2} ${x2} ${y2}`});
      path.appendChild(el('title', {}, e.relation));
      svg.appendChild(path);
    }
    for (const n of nodes) {
      const p = pos.get(n.id);
      const k = kindOf(n);
      const cls = 'node' + (n.id === resp.root ? ' root' : '') +
                  (k === 'EXCEPTION' ? ' exception' : '') + (k === 'ERP_POSTING' ? ' posting' : '');
      const g = el('g', {class: cls, transform: `translate(${p.x},${p.y})`, 'data-node-id': n.id,
                         'data-kind': k, tabindex: 0});
      g.appendChild(el('rect', {width: W, height: H, rx: 6}));
      g.appendChild(el('text', {class: 'kind', x: 8, y: 14},
                       Charts.clip(words(k) + (n.system ? ' · ' + n.system : ''), 30)));
      g.appendChild(el('text', {x: 8, y: 31}, Charts.clip(n.label || n.id, 28)));
      g.appendChild(el('title', {}, (n.label || n.id) + (n.amount && n.amount.currencyCode ? ' · ' + money(n.amount) : '')));
      g.addEventListener('click', () => onPick(n));
      g.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') onPick(n); });
      svg.appendChild(g);
    }
    return svg;
  }

  function nodePanel(n) {
    const dl = h('dl');
    const add = (k, v) => { if (v) dl.append(h('dt', k), h('dd', v)); };
    add('Kind', words(kindOf(n)));
    add('System', n.system);
    add('When', n.at ? when(n.at) : '');
    add('Amount', n.amount && n.amount.currencyCode ? money(n.amount) : '');
    for (const [k, v] of Object.entries(n.attributes || {}).sort()) add(k, v);
    return h('div.panel.detail', {'data-testid': 'trace-node', 'data-node-id': n.id},
      h('h1', n.label || n.id), dl,
      n.ref ? h('button.secondary', {onclick: () => App.go('trace', n.ref)}, 'Trace from here') : null);
  }

  function listing(resp) {
    const nodes = [...(resp.nodes || [])].sort((a, b) => ORDER.indexOf(kindOf(a)) - ORDER.indexOf(kindOf(b)));
    return h('table', {'data-testid': 'trace-list'},
      h('thead', h('tr', ['Kind', 'What', 'System', 'When', 'Amount'].map(t => h('th', t)))),
      h('tbody', nodes.map(n => h('tr', {'data-node-id': n.id},
        h('td', words(kindOf(n))),
        h('td', n.ref ? h('a', {href: '#/trace/' + encodeURIComponent(n.ref)}, n.label || n.id) : (n.label || n.id)),
        h('td', n.system || '—'),
        h('td', n.at ? when(n.at) : '—'),
        h('td.num', n.amount && n.amount.currencyCode ? money(n.amount) : '—')))));
  }

  async function render(r) {
    const input = h('input', {name: 'ref', value: r.arg, size: 48,
                              placeholder: 'je_…, a record id, stripe/invoice/in_…, a NetSuite id'});
    const form = h('form.filters', h('div', h('label', {for: 'trace-ref'}, 'Any id'), input),
                   h('button', {type: 'submit'}, 'Trace'));
    input.id = 'trace-ref';
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (input.value.trim()) App.go('trace', input.value.trim());
    });
    const head = h('div', h('h1', 'Trace'),
      h('p.muted', 'Where a number came from and where it was posted: any hub id, ' +
                   'system/objectType/vendorId, or an ERP reference.'), form);
    if (!r.arg) return head;
    const resp = await rpc('TraceService/Trace', {ref: r.arg, maxNodes: 300});
    const side = h('div', {'data-testid': 'trace-side'});
    const root = (resp.nodes || []).find(n => n.id === resp.root);
    side.append(root ? nodePanel(root) : h('div.panel.muted', 'Pick a node.'));
    const graph = h('div.graph', {'data-testid': 'trace-graph'},
                    draw(resp, (n) => side.replaceChildren(nodePanel(n))));
    return h('div', head,
      h('p.muted', (resp.nodes || []).length + ' nodes, ' + (resp.edges || []).length + ' links' +
                   (resp.truncated ? ' (cut short: trace a node to see beyond)' : '')),
      h('div.gap', graph),
      h('div.split', h('div.panel', h('h2', 'In order'), listing(resp)), side));
  }

  App.register('trace', {render});
})();
