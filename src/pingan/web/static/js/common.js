/* Pingan screens: shared helpers. Data is only ever put into the page with textContent
   (the el() helper below); no HTML is built from strings. */
'use strict';

const Pingan = (() => {
  const TOKEN = 'pingan.token';
  const ME = 'pingan.me';
  const vocab = JSON.parse(document.getElementById('vocabulary').textContent);
  const callTypes = new Map(vocab.call_types.map((t) => [t.code, t]));

  /* Forms are sent by script only. Before a page's script has taken its form over, the browser's
     own submission would put what was typed (a phone, a password) in the address bar and in the
     server's log, so it never happens. */
  document.addEventListener('submit', (event) => event.preventDefault(), true);

  function token() { return sessionStorage.getItem(TOKEN); }

  function toLogin() {
    const next = location.pathname + location.search;
    location.href = '/login?next=' + encodeURIComponent(next);
  }

  function signOut() {
    sessionStorage.removeItem(TOKEN);
    sessionStorage.removeItem(ME);
    location.href = '/login';
  }

  async function api(path, { method = 'GET', body, form, signal } = {}) {
    const headers = { Accept: 'application/json' };
    const t = token();
    if (t) headers.Authorization = 'Bearer ' + t;
    let payload;
    if (form) {
      payload = new URLSearchParams(form);
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(path, { method, headers, body: payload, signal });
    const type = response.headers.get('content-type') || '';
    const data = type.includes('json') ? await response.json() : null;
    if (response.status === 401 && !path.startsWith('/api/public') && path !== '/api/auth/token') {
      sessionStorage.removeItem(TOKEN);
      toLogin();
    }
    if (!response.ok) {
      const error = new Error((data && data.message) || '请求失败（' + response.status + '）');
      error.status = response.status;
      error.data = data;
      throw error;
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'dataset') Object.assign(node.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const $ = (selector, root = document) => root.querySelector(selector);

  function clear(node) { node.replaceChildren(); return node; }

  const clock = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hour12: false,
  });
  const fullClock = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });

  function time(iso) { return iso ? clock.format(new Date(iso)) : ''; }
  function fullTime(iso) { return iso ? fullClock.format(new Date(iso)) : ''; }

  function stateName(state) { return vocab.states[state] || state; }
  function actionName(action) {
    if (action === 'create') return '接报登记';
    return vocab.actions[action] || action;
  }
  function categoryName(code) {
    const t = callTypes.get(code);
    return t ? t.name : (code || '未分类');
  }

  function badge(state) {
    return el('span', { class: 'badge state-' + state }, stateName(state));
  }

  let toastTimer = null;
  function toast(message, kind = 'info') {
    const node = document.getElementById('toast');
    if (!node) return;
    node.textContent = message;
    node.className = 'toast show ' + kind;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { node.className = 'toast'; }, 4000);
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => {
      clearTimeout(timer);
      timer = setTimeout(() => fn(...args), ms);
    };
  }

  async function me() {
    const cached = sessionStorage.getItem(ME);
    if (cached) return JSON.parse(cached);
    const user = await api('/api/users/me');
    sessionStorage.setItem(ME, JSON.stringify(user));
    return user;
  }

  /* Pages that need a signed-in user call this first. */
  async function requireLogin() {
    if (!token()) { toLogin(); return new Promise(() => {}); }
    const user = await me();
    const who = document.getElementById('who-name');
    if (who) who.textContent = (user.display_name || user.username) + ' · ' + (vocab.roles[user.role] || user.role);
    for (const link of document.querySelectorAll('.nav a[data-roles]')) {
      if (!link.dataset.roles.split(' ').includes(user.role)) link.hidden = true;
      if (link.getAttribute('href') === location.pathname) link.classList.add('active');
    }
    return user;
  }

  const signOutButton = document.getElementById('sign-out');
  if (signOutButton) signOutButton.addEventListener('click', signOut);

  /* Server-sent events over fetch (EventSource cannot send the bearer token). Reconnects and
     resumes from the last id it saw. */
  function stream(path, onMessage, { onState } = {}) {
    let last = null;
    let stopped = false;
    const controller = new AbortController();
    async function run() {
      while (!stopped) {
        try {
          const url = path + (last !== null ? (path.includes('?') ? '&' : '?') + 'after=' + last : '');
          const response = await fetch(url, {
            headers: { Authorization: 'Bearer ' + token(), Accept: 'text/event-stream' },
            signal: controller.signal,
          });
          if (response.status === 401) { toLogin(); return; }
          if (!response.ok || !response.body) throw new Error('feed ' + response.status);
          if (onState) onState(true);
          const reader = response.body.getReader();
          const decoder = new TextDecoder();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += decoder.decode(value, { stream: true });
            let cut;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              const message = { event: 'message', data: '' };
              for (const line of block.split('\n')) {
                if (line.startsWith('id: ')) last = line.slice(4);
                else if (line.startsWith('event: ')) message.event = line.slice(7);
                else if (line.startsWith('data: ')) message.data += line.slice(6);
              }
              if (message.data) onMessage(message.event, JSON.parse(message.data));
            }
          }
        } catch (error) {
          if (stopped) return;
          if (onState) onState(false);
        }
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
    run();
    return () => { stopped = true; controller.abort(); };
  }

  /* The lifecycle actions a person can take on an incident, as buttons with the fields each
     needs. onDone receives the updated incident. */
  const ACTION_FIELDS = {
    finish: [{ name: 'result', label: '处置结果', type: 'textarea', required: true }],
    return_incident: [{ name: 'reason', label: '退单理由', type: 'textarea', required: true }],
    cancel: [{ name: 'reason', label: '作废理由', type: 'textarea', required: true }],
    reopen: [{ name: 'reason', label: '重新办理理由', type: 'textarea', required: true }],
    progress: [{ name: 'note', label: '进展情况', type: 'textarea', required: true }],
    call_back: [
      { name: 'satisfaction', label: '满意度', type: 'select', required: true,
        options: [['5', '5 非常满意'], ['4', '4 满意'], ['3', '3 基本满意'], ['2', '2 不满意'], ['1', '1 非常不满意']] },
      { name: 'solved', label: '问题是否解决', type: 'select', required: true,
        options: [['true', '已解决'], ['false', '未解决']] },
    ],
  };

  function actionPanel(incident, actions, onDone) {
    const box = el('div', { class: 'actions' });
    const form = el('form', { class: 'action-form', hidden: true });
    let current = null;
    // While an action is on its way, and until the screen has been redrawn with its result,
    // this incident's buttons are disabled: a second click cannot act on a stale state.
    function busy(on) {
      for (const control of [...box.querySelectorAll('button'), ...form.querySelectorAll('button')]) {
        control.disabled = on;
      }
    }
    async function submit(action, payload) {
      busy(true);
      try {
        const updated = await api('/api/incidents/' + encodeURIComponent(incident.number) + '/actions/' + action,
          { method: 'POST', body: { payload } });
        toast(actionName(action) + '：已完成（' + stateName(updated.state) + '）', 'ok');
        await onDone(updated);
      } catch (error) {
        toast(error.message, 'error');
      } finally {
        busy(false);
      }
    }
    for (const action of actions) {
      if (!incident.allowed_actions.includes(action)) continue;
      const button = el('button', { type: 'button', class: 'action-' + action, dataset: { action } }, actionName(action));
      button.addEventListener('click', () => {
        const fields = ACTION_FIELDS[action];
        if (!fields) { submit(action, {}); return; }
        current = action;
        clear(form).hidden = false;
        form.append(el('strong', {}, actionName(action)));
        for (const field of fields) {
          let input;
          if (field.type === 'select') {
            input = el('select', { name: field.name, required: field.required },
              field.options.map(([value, label]) => el('option', { value }, label)));
          } else {
            input = el('textarea', { name: field.name, rows: 2, required: field.required, maxlength: 1000 });
          }
          form.append(el('label', {}, field.label, input));
        }
        form.append(el('div', { class: 'row' },
          el('button', { type: 'submit', class: 'primary' }, '确认' + actionName(action)),
          el('button', { type: 'button', class: 'link', onclick: () => { form.hidden = true; } }, '取消')));
      });
      box.append(button);
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      if (current === 'call_back') {
        data.satisfaction = Number(data.satisfaction);
        data.solved = data.solved === 'true';
      }
      submit(current, data);
    });
    return el('div', {}, box, form);
  }

  return {
    vocab, api, el, $, clear, time, fullTime, stateName, actionName, categoryName, badge,
    toast, debounce, me, requireLogin, signOut, stream, actionPanel, token, callTypes,
  };
})();
