// Overview: money at stake by owner and age, SLA breaches, the backlog by
// stage with its trend, and each system's health and lag.
// ExceptionService.SummarizeExceptions and PipelineService.GetBacklog.
'use strict';

(() => {
  const {h, rpc, chip, moneyOf, amount, duration, seconds, ago} = App;
  const AGES = ['<1h', '1h-1d', '1-3d', '3-7d', '>7d'];
  const STAGES = [
    ['recordsReceived', 'Records received, not yet applied'],
    ['recordsWaiting', 'Records waiting on a reference'],
    ['recordsFailed', 'Records failed'],
    ['consumerLag', 'Events behind (slowest consumer)'],
    ['workflowsPending', 'Workflows pending'],
    ['workflowsRunning', 'Workflows running'],
    ['workflowsBlocked', 'Workflows blocked'],
    ['exceptionsOpen', 'Exceptions open'],
  ];
  let timer = null;

  function card(title, value, sub, tone, testid) {
    return h('div.panel.card', {class: 'panel card ' + (tone || ''), 'data-testid': testid},
             h('h2', title), h('div.value', value), sub ? h('div.sub', sub) : null);
  }

  // rows of one dimension and currency, as bars.
  function moneyBars(rows, dimension, currency, order) {
    let list = rows.filter(r => r.dimension === dimension && r.currency === currency);
    if (order) {
      list = order.map(k => list.find(r => r.key === k) ||
                            {key: k, count: '0', amountAtStake: null});
    } else {
      list.sort((a, b) => amount(b.amountAtStake) - amount(a.amountAtStake));
    }
    return Charts.bars(list.map(r => ({
      label: r.key || '(none)',
      value: amount(r.amountAtStake),
      text: moneyOf(currency, amount(r.amountAtStake)) + ' · ' + r.count,
      cls: dimension === 'age' && (r.key === '3-7d' || r.key === '>7d') ? 'bad' : '',
    })), {title: 'money at stake by ' + dimension + ' in ' + currency});
  }

  function moneyPanels(summary) {
    const currencies = summary.totals.map(t => t.currency).filter(c => c);
    if (!currencies.length) {
      return [h('div.panel', h('h2', 'Money at stake'),
                h('div.empty', 'No open exception carries an amount.'))];
    }
    const panels = [];
    for (const c of currencies) {
      panels.push(h('div.panel', {'data-testid': 'by-owner-' + c},
                    h('h2', 'Money at stake by owner · ' + c),
                    moneyBars(summary.rows, 'owner', c)));
      panels.push(h('div.panel', {'data-testid': 'by-age-' + c},
                    h('h2', 'Money at stake by age · ' + c),
                    moneyBars(summary.rows, 'age', c, AGES)));
    }
    return panels;
  }

  function backlogPanel(backlog) {
    const cur = backlog.current || {};
    const hist = backlog.history || [];
    return h('div.panel', {'data-testid': 'backlog'},
      h('h2', 'Backlog by stage'),
      STAGES.map(([key, name]) => h('div.stage', {'data-stage': key},
        h('span.name', name),
        Charts.spark(hist.map(s => Number(s[key] || 0)), {title: name + ' trend'}),
        h('span.num', String(Number(cur[key] || 0))))),
      h('div.stage', h('span.name', 'Oldest record waiting'),
        h('span.num', duration(seconds(cur.oldestRecordAge)))),
      h('div.stage', h('span.name', 'Oldest workflow not finished'),
        h('span.num', duration(seconds(cur.oldestWorkflowAge)))),
      h('div.sub.muted', hist.length > 1
        ? 'Trend over ' + duration((new Date(hist[hist.length - 1].at) - new Date(hist[0].at)) / 1000)
        : 'The trend fills in as the hub samples its backlog.'));
  }

  function systemsPanel(systems) {
    if (!systems.length) return h('div.panel', h('h2', 'Systems'), h('div.empty', 'No system registered.'));
    return h('div.panel', {'data-testid': 'systems'}, h('h2', 'Systems'),
      h('table',
        h('thead', h('tr', ['System', 'Adapter', 'Restarts', 'Received', 'Applied', 'Failed',
                            'Waiting', 'Lag', 'Last sync', 'Last error']
                            .map((t, i) => h('th', {class: i >= 2 && i <= 7 ? 'num' : ''}, t)))),
        h('tbody', systems.map(s => h('tr', {'data-system': s.system},
          h('td', h('strong', s.system), h('div.muted', s.vendor + (s.enabled ? '' : ' · disabled'))),
          h('td', chip(s.adapterState || 'unknown')),
          h('td.num', String(s.adapterRestarts)),
          h('td.num', String(s.recordsReceived)),
          h('td.num', String(s.recordsApplied)),
          h('td.num', String(s.recordsFailed)),
          h('td.num', String(s.recordsWaiting)),
          h('td.num', duration(seconds(s.lag))),
          h('td', s.lastSyncAt ? ago(s.lastSyncAt) : '—'),
          h('td.ellipsis', {title: s.lastError || ''}, s.lastError || '—'))))));
  }

  async function render() {
    const [summary, backlog] = await Promise.all([
      rpc('ExceptionService/SummarizeExceptions', {}),
      rpc('PipelineService/GetBacklog', {}),
    ]);
    const totals = summary.totals.filter(t => t.currency);
    const cards = [
      ...totals.map(t => card('Money at stake', moneyOf(t.currency, amount(t.amountAtStake)),
                              t.count + ' open exception' + (t.count === '1' ? '' : 's') + ' in ' + t.currency,
                              'bad', 'stake-' + t.currency)),
      card('Open exceptions', String(summary.openCount), 'waiting for a person', '', 'open-count'),
      card('SLA breached', String(summary.breachedCount),
           summary.atRiskCount + ' at risk', Number(summary.breachedCount) ? 'bad' : '',
           'breached-count'),
      card('Backlog', String(Number(backlog.current && backlog.current.recordsReceived || 0)),
           'records not yet applied', '', 'backlog-count'),
    ];
    return h('div',
      h('div.grid.cards.gap', cards),
      h('div.grid.two.gap', {'data-testid': 'money'}, moneyPanels(summary)),
      h('div.grid.two.gap', backlogPanel(backlog), systemsPanel(backlog.systems || [])));
  }

  App.register('overview', {
    render: async (r) => {
      clearInterval(timer);
      // Refreshed every 15 s while it is shown.
      timer = setInterval(() => {
        if (App.route().view === 'overview' && !document.hidden) App.render();
      }, 15000);
      return render(r);
    },
    leave: () => clearInterval(timer),
  });
})();
