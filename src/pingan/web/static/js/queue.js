/* A unit's queue: sign for, arrive, finish with a result, or return with a reason. */
'use strict';
(async () => {
  const { api, el, $, clear, time } = Pingan;
  await Pingan.requireLogin();
  const TODO = new Set(['assigned', 'signed_for', 'on_scene']);
  let filter = 'todo';
  for (const button of document.querySelectorAll('#queue-tabs button')) {
    button.addEventListener('click', () => {
      filter = button.dataset.filter;
      document.querySelectorAll('#queue-tabs button').forEach((b) => b.classList.toggle('on', b === button));
      render();
    });
  }
  function due(incident) {
    const next = { assigned: incident.sign_for_due, signed_for: incident.arrive_due, on_scene: incident.finish_due }[incident.state];
    if (!next) return null;
    const late = new Date(next) < new Date();
    return el('span', { class: late ? 'badge state-received' : 'badge' }, (late ? '已超时 ' : '时限 ') + time(next));
  }
  // One redraw at a time; a periodic redraw waits while the handler is filling in a form.
  let drawing = Promise.resolve();
  function render() {
    drawing = drawing.then(draw, draw);
    return drawing;
  }
  function editing() {
    return [...document.querySelectorAll('#queue-list form.action-form')].some((f) => !f.hidden);
  }
  async function draw() {
    const page = await api('/api/incidents?page_size=200');
    const list = clear($('#queue-list'));
    const items = page.items.filter((i) => (filter === 'todo' ? TODO.has(i.state) : !TODO.has(i.state)));
    for (const incident of items) {
      const card = el('article', { class: 'queue-card state-' + incident.state, dataset: { number: incident.number } },
        el('h3', {}, el('a', { href: '/incidents/' + encodeURIComponent(incident.number) }, incident.number),
          Pingan.badge(incident.state), el('span', { class: 'muted small' }, time(incident.reported_at)), due(incident)),
        el('p', {}, el('strong', {}, incident.category_name || '待研判'), ' · ', incident.address || '地址未提供'),
        el('p', { class: 'muted' }, incident.description),
        Pingan.actionPanel(incident, ['sign_for', 'arrive', 'progress', 'finish', 'close', 'return_incident'], () => render()));
      list.append(card);
    }
    if (!items.length) list.append(el('p', { class: 'empty' }, filter === 'todo' ? '暂无待办警情' : '暂无已处置警情'));
  }
  await render();
  setInterval(() => { if (!editing()) render(); }, 30000);
})();
