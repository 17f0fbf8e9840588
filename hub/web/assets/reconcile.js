// Reconciliation: run or load a period's report, the totals of each side,
// the variances by category, and each variance with its records on both
// sides and its actions (accept with a reason, redeliver what the ERP
// lacks). ReconciliationService.
'use strict';

(() => {
  const {h, rpc, chip, money, moneyOf, amount, when, ago, bare, words, toast} = App;

  function lastMonth() {
    const d = new Date();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - 1);
    return d.toISOString().slice(0, 7);
  }

  async function act(label, method, body) {
    try {
      await rpc(method, body);
      toast(label);
      App.render();
    } catch (err) {
      toast(err.message, true);
    }
  }

  function refLink(ref) {
    const text = ref.side + ': ' + [ref.system, ref.objectType, ref.id].filter(x => x).join('/');
    return ref.traceRef ? h('a', {href: '#/trace/' + encodeURIComponent(ref.traceRef)}, text) : h('span', text);
  }

  function variance(v) {
    const state = bare(v.state, 'VARIANCE_STATE_');
    const category = bare(v.category, 'VARIANCE_CATEGORY_');
    const reason = h('input', {placeholder: 'reason to accept (required)', size: 18,
                               'aria-label': 'acceptance reason'});
    const accept = h('button.secondary', {'data-action': 'accept', disabled: true, onclick: () =>
      act('Variance accepted', 'ReconciliationService/AcceptVariance',
          {varianceId: v.varianceId, reason: reason.value.trim()})}, 'Accept');
    reason.addEventListener('input', () => { accept.disabled = !reason.value.trim(); });
    const redeliver = category === 'MISSING_IN_ERP'
      ? h('button', {'data-action': 'redeliver', onclick: () =>
          act('Redelivery started', 'ReconciliationService/RedeliverVariance', {varianceId: v.varianceId})},
          'Redeliver to the ERP')
      : null;
    return h('tr', {'data-variance-id': v.varianceId, 'data-category': category},
      h('td', words(category)),
      h('td', chip(state)),
      h('td.num', money(v.amountAtStake)),
      h('td', v.contractId || (v.entity && v.entity.id) || '—'),
      h('td', v.description,
        h('div', (v.refs || []).map(refLink).flatMap((a, i) => i ? [' · ', a] : [a])),
        v.acceptedReason ? h('div.muted', 'accepted: ' + v.acceptedReason) : null,
        v.exceptionId && v.exceptionId !== '0'
          ? h('div', h('a', {href: '#/exceptions/' + v.exceptionId}, 'exception ' + v.exceptionId)) : null),
      h('td', v.owner || '—'),
      h('td', state === 'OPEN' ? h('div.actions', h('div.row', reason, accept), redeliver ? h('div.row', redeliver) : null) : ''));
  }

  function report(rep) {
    const variances = rep.variances || [];
    const totals = rep.totals || [];
    const currencies = [...new Set(totals.map(t => t.currency))];
    const charts = currencies.map(c => h('div.panel', {'data-testid': 'variance-totals-' + c},
      h('h2', 'Variances by category · ' + c),
      Charts.bars(totals.filter(t => t.currency === c).map(t => ({
        label: words(bare(t.category, 'VARIANCE_CATEGORY_')),
        value: amount(t.amount),
        text: moneyOf(c, amount(t.amount)) + ' · ' + t.count,
        cls: 'bad'})), {title: 'variances in ' + c})));
    const sides = (rep.sides || []);
    return h('div',
      h('p.muted', 'Run ' + rep.runId + ' · ' + rep.period + (rep.legalEntity ? ' · ' + rep.legalEntity : '') +
                   ' · finished ' + when(rep.finishedAt) + ' (' + ago(rep.finishedAt) + ')' +
                   ' · systems: ' + (rep.systems || []).join(', ')),
      h('div.grid.two.gap',
        h('div.panel', {'data-testid': 'sides'}, h('h2', 'Each side'),
          sides.length ? h('table',
            h('thead', h('tr', ['Side', 'System', 'Measure', 'Count', 'Amount'].map((t, i) => h('th', {class: i > 2 ? 'num' : ''}, t)))),
            h('tbody', sides.map(s => h('tr',
              h('td', s.side), h('td', s.system || '—'), h('td', s.measure),
              h('td.num', String(s.count)), h('td.num', money(s.amount))))))
            : h('div.empty', 'Nothing on any side for this period.')),
        charts.length ? charts : h('div.panel', h('h2', 'Variances'), h('div.empty', 'None: every side agrees.'))),
      h('div.panel', h('h2', variances.length + ' variance' + (variances.length === 1 ? '' : 's')),
        variances.length ? h('table', {'data-testid': 'variance-list'},
          h('thead', h('tr', ['Category', 'State', 'At stake', 'Contract / entity', 'What differs', 'Owner', 'Action']
                               .map((t, i) => h('th', {class: i === 2 ? 'num' : ''}, t)))),
          h('tbody', variances.map(variance))) : h('div.empty', 'No variance.')));
  }

  async function render(r) {
    const period = r.params.get('period') || lastMonth();
    const entity = r.params.get('entity') || '';
    const periodInput = h('input', {id: 'r-period', name: 'period', value: period, pattern: '\\d{4}-\\d{2}', size: 8});
    const entityInput = h('input', {id: 'r-entity', name: 'entity', value: entity, placeholder: 'all'});
    const runBtn = h('button', {type: 'button', 'data-action': 'run'}, 'Run reconciliation');
    const form = h('form.filters',
      h('div', h('label', {for: 'r-period'}, 'Period'), periodInput),
      h('div', h('label', {for: 'r-entity'}, 'Legal entity'), entityInput),
      h('button.secondary', {type: 'submit'}, 'Show'), runBtn);
    const params = () => {
      const p = {period: periodInput.value.trim()};
      if (entityInput.value.trim()) p.entity = entityInput.value.trim();
      return p;
    };
    form.addEventListener('submit', (ev) => { ev.preventDefault(); App.go('reconciliation', '', params()); });
    runBtn.addEventListener('click', async () => {
      runBtn.disabled = true;
      runBtn.textContent = 'Running…';
      try {
        await rpc('ReconciliationService/RunReconciliation',
                  {period: periodInput.value.trim(), legalEntity: entityInput.value.trim()});
        toast('Reconciliation of ' + periodInput.value.trim() + ' finished');
        App.go('reconciliation', '', params());
      } catch (err) {
        toast(err.message, true);
        runBtn.disabled = false;
        runBtn.textContent = 'Run reconciliation';
      }
    });
    let body;
    try {
      const got = await rpc('ReconciliationService/GetReconciliation', {period, legalEntity: entity});
      body = report(got.report);
    } catch (err) {
      if (err.code !== 'NOT_FOUND') throw err;
      body = h('div.panel.empty', 'No reconciliation of ' + period + ' yet: run one.');
    }
    return h('div', h('h1', 'Reconciliation'),
      h('p.muted', 'CRM bookings ↔ billing ↔ the hub\'s schedules and journals ↔ what the ERP holds.'),
      form, body);
  }

  App.register('reconciliation', {render});
})();
