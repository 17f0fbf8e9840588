// Workflows: the list by state and kind, and one workflow's steps in order
// with their target system, attempts, errors and what the vendor answered.
// WorkflowService.
'use strict';

(() => {
  const {h, rpc, chip, money, when, ago, bare, words} = App;
  const STATES = ['PENDING', 'RUNNING', 'BLOCKED', 'COMPLETED'];
  const KINDS = ['BOOKING', 'AMENDMENT', 'RENEWAL', 'CANCELLATION', 'BILLING', 'RECOGNITION'];

  function filterBar(params, arg) {
    const sel = (name, values) => h('div', h('label', {for: 'w-' + name}, name),
      h('select', {id: 'w-' + name, name},
        h('option', {value: ''}, 'any'),
        values.map(v => h('option', {value: v, selected: params.get(name) === v}, words(v)))));
    const form = h('form.filters',
      h('div', h('label', {for: 'w-contract'}, 'contract'),
        h('input', {id: 'w-contract', name: 'contract', value: params.get('contract') || '',
                    placeholder: 'any'})),
      sel('state', STATES), sel('kind', KINDS), h('button', {type: 'submit'}, 'Apply'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const d = new FormData(form);
      const p = {};
      for (const k of ['contract', 'state', 'kind']) if (d.get(k)) p[k] = d.get(k);
      App.go('workflows', arg, p);
    });
    return form;
  }

  function progress(w) {
    const steps = w.steps || [];
    const done = steps.filter(s => ['SUCCEEDED', 'SKIPPED'].includes(bare(s.state, 'STEP_STATE_'))).length;
    return done + ' / ' + steps.length;
  }

  function stepRow(s) {
    const refs = (s.vendorRefs || []).map(v => [v.system, v.objectType, v.vendorId].filter(x => x).join('/'))
                                     .join(', ');
    return h('tr', {'data-step': String(s.index)},
      h('td.num', String(s.index)),
      h('td', h('strong', s.name), s.detail ? h('div.muted', s.detail) : null),
      h('td', chip(s.state, 'STEP_STATE_')),
      h('td', s.targetSystem || '—'),
      h('td.num', money(s.amount)),
      h('td.num', String(s.attempts || 0)),
      h('td.mono', {'data-field': 'vendor-ids'}, refs || '—'),
      h('td', s.lastError ? h('div.error', (s.lastErrorCode ? s.lastErrorCode + ': ' : '') + s.lastError) : '',
        s.exceptionId && s.exceptionId !== '0'
          ? h('a', {href: '#/exceptions/' + s.exceptionId}, 'exception ' + s.exceptionId) : null,
        s.nextAttemptAt && bare(s.state, 'STEP_STATE_') === 'RETRY_SCHEDULED'
          ? h('div.muted', 'next attempt ' + when(s.nextAttemptAt)) : null));
  }

  async function detail(id) {
    const r = await rpc('WorkflowService/GetWorkflow', {workflowId: id});
    const w = r.workflow;
    const dl = h('dl');
    const add = (k, v) => { if (v) dl.append(h('dt', k), h('dd', v)); };
    add('Kind', words(bare(w.kind, 'WORKFLOW_KIND_')));
    add('State', chip(w.state, 'WORKFLOW_STATE_'));
    add('Contract', w.contractId
      ? h('a', {href: '#/trace/' + encodeURIComponent(w.contractId)}, w.contractId + ' v' + w.contractVersion) : '');
    add('Trigger', w.trigger);
    add('Blocked by', w.blockedByWorkflowId
      ? h('a', {href: '#/workflows/' + encodeURIComponent(w.blockedByWorkflowId)}, w.blockedByWorkflowId) : '');
    add('Trace id', w.traceId);
    add('Started', when(w.createdAt));
    add('Completed', w.completedAt ? when(w.completedAt) : '');
    add('By', w.principal);
    return h('div.panel.detail', {'data-testid': 'workflow-detail'},
      h('div.row', h('h1', w.workflowId), h('span.spacer'),
        h('a', {href: '#/trace/' + encodeURIComponent(w.workflowId)}, 'trace it')),
      dl,
      h('table',
        h('thead', h('tr', ['#', 'Step', 'State', 'Target', 'Amount', 'Attempts', 'Vendor ids', 'Error']
                             .map((t, i) => h('th', {class: [0, 4, 5].includes(i) ? 'num' : ''}, t)))),
        h('tbody', (w.steps || []).map(stepRow))));
  }

  async function render(r) {
    const p = r.params;
    const req = {pageSize: 200, omitPayloads: true};
    if (p.get('contract')) req.contractId = p.get('contract');
    if (p.get('state')) req.state = 'WORKFLOW_STATE_' + p.get('state');
    if (p.get('kind')) req.kind = 'WORKFLOW_KIND_' + p.get('kind');
    const [list, side] = await Promise.all([
      rpc('WorkflowService/ListWorkflows', req),
      r.arg ? detail(r.arg).catch(App.errorBox) : Promise.resolve(null),
    ]);
    const params = Object.fromEntries(p.entries());
    const rows = list.workflows || [];
    const counts = {};
    for (const w of rows) {
      const s = bare(w.state, 'WORKFLOW_STATE_');
      counts[s] = (counts[s] || 0) + 1;
    }
    const table = rows.length
      ? h('table', {'data-testid': 'workflow-list'},
          h('thead', h('tr', ['Workflow', 'Kind', 'State', 'Contract', 'Steps', 'Updated'].map(t => h('th', t)))),
          h('tbody', rows.map(w => h('tr.clickable', {
            class: 'clickable' + (w.workflowId === r.arg ? ' selected' : ''),
            'data-workflow-id': w.workflowId,
            onclick: () => App.go('workflows', w.workflowId, params)},
            h('td.mono', w.workflowId),
            h('td', words(bare(w.kind, 'WORKFLOW_KIND_'))),
            h('td', chip(w.state, 'WORKFLOW_STATE_')),
            h('td.mono', w.contractId || '—'),
            h('td', progress(w)),
            h('td', ago(w.updatedAt))))))
      : h('div.empty', 'No workflow matches.');
    const chart = Charts.bars(STATES.map(s => ({label: words(s), value: counts[s] || 0,
                                                cls: s === 'BLOCKED' ? 'bad' : s === 'PENDING' ? 'warn' : ''})),
                              {width: 360, title: 'workflows by state'});
    return h('div',
      h('h1', 'Workflows'),
      filterBar(p, r.arg),
      h('div.split.gap', h('div.panel', table), h('div.panel', h('h2', 'By state (shown)'), chart)),
      side || h('div.panel.muted', 'Pick a workflow to see its steps.'));
  }

  App.register('workflows', {render});
})();
