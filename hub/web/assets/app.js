// The control tower's core: the JSON API client, the sign-in, the router and
// the helpers every view shares (elements, money, times, chips).
//
// Every call goes to POST /api/revhub.hub.v1.<Service>/<Method> on this same
// origin with the token as `authorization: Bearer …` (kept in this tab's
// sessionStorage only); the hub answers with the gRPC method's response as
// proto3 JSON (lowerCamelCase; int64 as strings; enums by name).
'use strict';

const App = (() => {
  const TOKEN_KEY = 'revhub.token';
  const views = {};
  let current = null;

  class ApiError extends Error {
    constructor(message, code, status) {
      super(message);
      this.code = code;
      this.status = status;
    }
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ''; }

  async function rpc(method, body) {
    const res = await fetch('/api/revhub.hub.v1.' + method, {
      method: 'POST',
      headers: {'Content-Type': 'application/json',
                'Authorization': 'Bearer ' + token()},
      body: JSON.stringify(body || {}),
    });
    let json = {};
    try { json = await res.json(); } catch (e) { json = {error: res.statusText}; }
    if (!res.ok) {
      if (res.status === 401) signOut(json.error);
      throw new ApiError(json.error || res.statusText, json.code || '', res.status);
    }
    return json;
  }

  // h('div.panel#id', {attrs}, children...): builds an element.
  function h(spec, attrs, ...children) {
    const m = /^([a-z0-9]+)((?:[.#][\w-]+)*)$/.exec(spec);
    const e = document.createElement(m ? m[1] : spec);
    if (m) {
      for (const part of m[2].match(/[.#][\w-]+/g) || []) {
        if (part[0] === '.') e.classList.add(part.slice(1));
        else e.id = part.slice(1);
      }
    }
    if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
      children.unshift(attrs);
      attrs = null;
    }
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    append(e, children);
    return e;
  }

  function append(e, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  // Money {currencyCode, units, nanos} -> "USD 1,234.50".
  function money(m) {
    if (!m || !m.currencyCode) return '—';
    return moneyOf(m.currencyCode, amount(m));
  }
  function amount(m) {
    if (!m) return 0;
    return Number(m.units || 0) + Number(m.nanos || 0) / 1e9;
  }
  function moneyOf(currency, value) {
    let digits = 2;
    try {
      digits = new Intl.NumberFormat('en', {style: 'currency', currency})
                   .resolvedOptions().maximumFractionDigits;
    } catch (e) { /* an unknown code: two digits */ }
    return currency + ' ' + value.toLocaleString('en', {minimumFractionDigits: digits,
                                                        maximumFractionDigits: digits});
  }

  // "3600.5s" -> seconds.
  function seconds(d) {
    if (!d) return 0;
    return typeof d === 'string' ? parseFloat(d) : Number(d.seconds || 0);
  }
  function duration(s) {
    s = Math.max(0, Math.round(s));
    if (s < 60) return s + 's';
    if (s < 3600) return Math.floor(s / 60) + 'm';
    if (s < 86400) return Math.floor(s / 3600) + 'h ' + Math.floor((s % 3600) / 60) + 'm';
    return Math.floor(s / 86400) + 'd ' + Math.floor((s % 86400) / 3600) + 'h';
  }
  function when(ts) {
    if (!ts) return '—';
    const d = new Date(ts);
    if (isNaN(d)) return ts;
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace(/Z$/, ' UTC');
  }
  function ago(ts) {
    if (!ts) return '—';
    return duration((Date.now() - new Date(ts).getTime()) / 1000) + ' ago';
  }

  // "EXCEPTION_KIND_POSTING_REJECTED" -> "POSTING_REJECTED".
  function bare(name, prefix) {
    name = String(name || '');
    return prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name;
  }
  function words(name) { return bare(name).replace(/_/g, ' ').toLowerCase(); }

  const TONES = {
    BREACHED: 'bad', MISSED: 'bad', AT_RISK: 'warn', WITHIN: 'ok', MET: 'ok',
    OPEN: 'bad', RETRYING: 'warn', RESOLVED: 'ok', ACCEPTED: 'info',
    COMPLETED: 'ok', RUNNING: 'info', PENDING: 'warn', BLOCKED: 'bad',
    SUCCEEDED: 'ok', SKIPPED: '', FAILED: 'bad', DEAD_LETTERED: 'bad',
    RETRY_SCHEDULED: 'warn', running: 'ok', restarting: 'warn', stopped: '',
    failed: 'bad',
  };
  function chip(value, prefix) {
    const v = bare(value, prefix);
    return h('span.chip', {class: 'chip ' + (TONES[v] || ''), 'data-value': v}, words(v));
  }

  function toast(message, bad) {
    const t = document.getElementById('toast');
    t.textContent = message;
    t.className = 'toast' + (bad ? ' bad' : '');
    t.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.hidden = true; }, 5000);
  }

  function errorBox(err) {
    return h('div.panel.error', {role: 'alert'},
             (err && err.code ? err.code + ': ' : '') + (err && err.message || String(err)));
  }

  // The hash route: "#/view/arg" -> {view, arg, params}.
  function route() {
    const raw = location.hash.replace(/^#\/?/, '');
    const [path, query] = raw.split('?');
    const [view, ...rest] = path.split('/');
    return {view: view || 'overview', arg: decodeURIComponent(rest.join('/')),
            params: new URLSearchParams(query || '')};
  }
  function go(view, arg, params) {
    let hash = '#/' + view + (arg ? '/' + encodeURIComponent(arg) : '');
    const q = params ? new URLSearchParams(params).toString() : '';
    if (q) hash += '?' + q;
    if (location.hash === hash) render(); else location.hash = hash;
  }

  function register(name, view) { views[name] = view; }

  async function render() {
    if (!token()) { showSignIn(); return; }
    document.getElementById('signin').hidden = true;
    const who = document.getElementById('who');
    if (!who.firstChild) {
      who.replaceChildren('signed in ',
                          h('button.secondary', {onclick: () => signOut()}, 'Sign out'));
    }
    const r = route();
    const view = views[r.view] || views.overview;
    for (const a of document.querySelectorAll('#nav a')) {
      a.classList.toggle('active', a.dataset.view === r.view);
    }
    if (current && current.leave) current.leave();
    current = view;
    const main = document.getElementById('main');
    main.replaceChildren(h('div.empty', 'Loading…'));
    main.dataset.view = r.view;
    main.dataset.ready = 'false';
    try {
      const content = await view.render(r);
      if (current !== view) return;
      main.replaceChildren(content);
    } catch (err) {
      if (current !== view) return;
      main.replaceChildren(errorBox(err));
    }
    main.dataset.ready = 'true';
  }

  function showSignIn(message) {
    document.getElementById('main').replaceChildren();
    document.getElementById('who').replaceChildren();
    document.getElementById('signin').hidden = false;
    document.getElementById('signin-error').textContent = message || '';
    document.getElementById('token').focus();
  }

  function signOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    showSignIn(message);
  }

  function start() {
    document.getElementById('signin-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const value = document.getElementById('token').value.trim();
      if (!value) return;
      sessionStorage.setItem(TOKEN_KEY, value);
      document.getElementById('token').value = '';
      render();
    });
    window.addEventListener('hashchange', render);
    render();
  }

  return {rpc, h, money, amount, moneyOf, seconds, duration, when, ago, bare, words,
          chip, toast, errorBox, route, go, register, render, start, ApiError};
})();
