// The exception queue: filters, the list with money, owner, age and SLA,
// and one exception's detail with its actions (assign, retry, replay,
// resolve with a reason). ExceptionService.
'use strict';

(() => {
  const {h, rpc, chip, money, moneyOf, amount, duration, seconds, when, bare, words, toast} = App;
  const KINDS = ['RECORD_REJECTED', 'POSTING_REJECTED', 'AMOUNT_MISMATCH', 'METADATA_MISMATCH',
                 'DEAD_LETTER', 'SCHEDULE_FAILED', 'RECONCILIATION_VARIANCE'];
  const SLAS = ['WITHIN', 'AT_RISK', 'BREACHED'];

  function filtersOf(params) {
    return {
      system: params.get('system') || '',
      owner: params.get('owner') || '',
      kind: params.get('kind') || '',
      category: params.get('category') || '',
      sla: params.get('sla') || '',
      all: params.get('all') === '1',
    };
  }

  function requestOf(f) {
    const req = {pageSize: 200, includeResolved: f.all};
    if (f.system) req.system = f.system;
    if (f.owner) req.owner = f.owner;
    if (f.kind) req.kind = 'EXCEPTION_KIND_' + f.kind;
    if (f.category) req.category = 'EXCEPTION_CATEGORY_' + f.category;
    if (f.sla) req.slaState = 'SLA_STATE_' + f.sla;
    return req;
  }

  function select(name, label, values, value) {
    return h('div', h('label', {for: 'f-' + name}, label),
      h('select', {id: 'f-' + name, name},
        h('option', {value: ''}, 'any'),
        values.map(v => h('option', {value: v, selected: v === value}, words(v)))));
  }

  function filterBar(f, arg) {
    const form = h('form.filters', {'data-testid': 'exception-filters'},
      h('div', h('label', {for: 'f-system'}, 'System'),
        h('input', {id: 'f-system', name: 'system', value: f.system, placeholder: 'any'})),
      h('div', h('label', {for: 'f-owner'}, 'Owner'),
        h('input', {id: 'f-owner', name: 'owner', value: f.owner, placeholder: 'any'})),
      select('kind', 'Kind', KINDS, f.kind),
      select('category', 'Category', ['FINANCE', 'METADATA'], f.category),
      select('sla', 'SLA', SLAS, f.sla),
      h('label.check', h('input', {type: 'checkbox', name: 'all', checked: f.all}),
        'include resolved'),
      h('button', {type: 'submit'}, 'Apply'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = new FormData(form);
      const p = {};
      for (const k of ['system', 'owner', 'kind', 'category', 'sla']) {
        if (d.get(k)) p[k] = d.get(k);
      }
      if (d.get('all')) p.all = '1';
      App.go('exceptions', arg, p);
    });
    return form;
  }

  // Open money per currency: resolved exceptions carry no money at stake.
  function footer(list) {
    const open = {};
    let count = 0;
    for (const e of list) {
      if (bare(e.state, 'EXCEPTION_STATE_') === 'RESOLVED') continue;
      count++;
      const m = e.amountAtStake;
      if (m && m.currencyCode) open[m.currencyCode] = (open[m.currencyCode] || 0) + amount(m);
    }
    const parts = Object.entries(open).map(([c, v]) => moneyOf(c, v));
    return h('tfoot', h('tr', h('td', {colspan: 9},
      count + ' open shown · money at stake in them: ' + (parts.join(', ') || 'none'))));
  }

  function row(e, selected, params) {
    const id = String(e.exceptionId);
    const target = e.contractId || (e.entity && e.entity.id) || (e.recordId !== '0' ? 'record ' + e.recordId : '');
    return h('tr.clickable', {class: 'clickable' + (selected ? ' selected' : ''),
                              'data-exception-id': id,
                              onclick: () => App.go('exceptions', id, params)},
      h('td.mono', id),
      h('td', words(bare(e.kind, 'EXCEPTION_KIND_'))),
      h('td', e.system || '—'),
      h('td.mono', target || '—'),
      h('td.num', {'data-field': 'amount'}, money(e.amountAtStake)),
      h('td', {'data-field': 'owner'}, e.owner || '—'),
      h('td.num', duration(seconds(e.age))),
      h('td', {'data-field': 'sla'}, chip(e.slaState, 'SLA_STATE_')),
      h('td', {'data-field': 'state'}, chip(e.state, 'EXCEPTION_STATE_')));
  }

  async function act(label, method, body) {
    try {
      const r = await rpc(method, body);
      toast(label);
      App.render();
      return r;
    } catch (err) {
      toast(err.message, true);
      return null;
    }
  }

  function actions(e) {
    const id = e.exceptionId;
    if (bare(e.state, 'EXCEPTION_STATE_') === 'RESOLVED') {
      return h('div.actions', h('div.muted', 'Resolved: ' + (e.resolution || '')));
    }
    const owner = h('input', {name: 'owner', placeholder: 'owner', value: e.owner || ''});
    const reason = h('textarea', {name: 'reason', placeholder: 'why it is resolved (required)',
                                  'aria-label': 'resolution reason'});
    const resolveBtn = h('button', {'data-action': 'resolve', disabled: true}, 'Resolve');
    reason.addEventListener('input', () => { resolveBtn.disabled = !reason.value.trim(); });
    resolveBtn.addEventListener('click', () => act('Exception ' + id + ' resolved',
      'ExceptionService/ResolveException', {exceptionId: id, reason: reason.value.trim()}));
    return h('div.actions', {'data-testid': 'exception-actions'},
      h('div.row', owner, h('button.secondary', {'data-action': 'assign', onclick: () =>
        act('Exception ' + id + ' assigned to ' + owner.value, 'ExceptionService/AssignException',
            {exceptionId: id, owner: owner.value.trim()})}, 'Assign')),
      h('div.row',
        h('button.secondary', {'data-action': 'retry', onclick: () =>
          act('Exception ' + id + ': retry scheduled', 'ExceptionService/RetryException',
              {exceptionId: id})}, 'Retry'),
        h('button.secondary', {'data-action': 'replay', onclick: () =>
          act('Exception ' + id + ': replayed', 'ExceptionService/ReplayException',
              {exceptionId: id})}, 'Replay'),
        h('span.muted', 'retry re-runs the failed step; replay re-translates the record')),
      h('div', h('label', 'Resolve with a reason'), reason), h('div.row', resolveBtn));
  }

  async function detail(id) {
    const r = await rpc('ExceptionService/GetException', {exceptionId: id});
    const e = r.exception;
    const dl = h('dl');
    const add = (k, v) => { if (v !== undefined && v !== '' && v !== '0' && v !== null) dl.append(h('dt', k), h('dd', v)); };
    add('Kind', words(bare(e.kind, 'EXCEPTION_KIND_')));
    add('Category', words(bare(e.category, 'EXCEPTION_CATEGORY_')));
    add('State', chip(e.state, 'EXCEPTION_STATE_'));
    add('Money at stake', money(e.amountAtStake));
    add('Owner', e.owner);
    add('SLA', h('span', chip(e.slaState, 'SLA_STATE_'), ' due ', when(e.slaDueAt)));
    add('Age', duration(seconds(e.age)));
    add('System', e.system);
    add('Contract', e.contractId ? traceLink(e.contractId) : '');
    add('Entity', e.entity && e.entity.id ? bare(e.entity.type, 'ENTITY_TYPE_') + ' ' + e.entity.id : '');
    add('Record', e.recordId !== '0' ? traceLink(String(e.recordId)) : '');
    add('Workflow', e.workflowId ? h('a', {href: '#/workflows/' + encodeURIComponent(e.workflowId)}, e.workflowId) : '');
    add('Step', e.stepName ? e.stepIndex + ' · ' + e.stepName : '');
    add('Error', e.error);
    add('Field', e.fieldPath || e.vendorFieldPath);
    add('Vendor code', e.vendorCode);
    add('Vendor said', e.vendorResponse ? h('code', e.vendorResponse) : '');
    add('Trace id', e.traceId);
    add('Attempts', String(e.attempts || ''));
    add('Created', when(e.createdAt));
    const history = (e.history || []).map(a =>
      h('li', when(a.at) + ' · ' + a.action + ' · ' + (a.principal || '') + (a.note ? ' · ' + a.note : '')));
    return h('div.panel.detail', {'data-testid': 'exception-detail', 'data-exception-id': String(e.exceptionId)},
      h('h1', 'Exception ' + e.exceptionId), dl,
      history.length ? h('div', h('h2', 'History'), h('ul.history', history)) : null,
      actions(e));
  }

  function traceLink(ref) {
    return h('a', {href: '#/trace/' + encodeURIComponent(ref)}, ref);
  }

  async function render(r) {
    const f = filtersOf(r.params);
    const params = Object.fromEntries(r.params.entries());
    const [list, side] = await Promise.all([
      rpc('ExceptionService/ListExceptions', requestOf(f)),
      r.arg ? detail(r.arg).catch(App.errorBox) : Promise.resolve(null),
    ]);
    const rows = list.exceptions || [];
    const table = rows.length
      ? h('table', {'data-testid': 'exception-list'},
          h('thead', h('tr', ['Id', 'Kind', 'System', 'Contract / entity', 'At stake', 'Owner',
                               'Age', 'SLA', 'State']
                               .map((t, i) => h('th', {class: i === 4 || i === 6 ? 'num' : ''}, t)))),
          h('tbody', rows.map(e => row(e, String(e.exceptionId) === r.arg, params))),
          footer(rows))
      : h('div.empty', 'No exception matches.');
    return h('div',
      h('h1', 'Exceptions'),
      filterBar(f, r.arg),
      h('div.split', h('div.panel', table),
        side || h('div.panel.muted', 'Pick an exception to see it and act on it.')));
  }

  App.register('exceptions', {render});
})();
