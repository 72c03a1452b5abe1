/* The dispatcher's queue: open incidents, their assignments and routing, and assigning units. */
'use strict';
(async () => {
  const { api, el, $, clear, time, toast } = Pingan;
  const user = await Pingan.requireLogin();
  const STATES = ['triaged', 'returned', 'received', 'assigned', 'signed_for', 'on_scene', 'handled'];
  let current = 'triaged';
  let selected = null;
  let units = null;

  const tabs = $('#state-tabs');
  for (const state of STATES) {
    const button = el('button', { type: 'button', dataset: { state }, class: state === current ? 'on' : '' }, Pingan.stateName(state));
    button.addEventListener('click', () => { current = state; render(); });
    tabs.append(button);
  }

  async function render() {
    for (const b of tabs.children) b.classList.toggle('on', b.dataset.state === current);
    const page = await api('/api/incidents?page_size=200&state=' + current);
    const body = clear($('#queue tbody'));
    for (const incident of page.items) {
      const lead = incident.assignments.filter((a) => a.active).map((a) => a.unit_name).join('、') || '—';
      const row = el('tr', { dataset: { number: incident.number } },
        el('td', {}, el('strong', {}, incident.number), el('div', { class: 'muted small' }, time(incident.reported_at))),
        el('td', {}, incident.category_name || '待研判', el('div', { class: 'muted small' }, incident.police === false ? '非警务' : '警务')),
        el('td', {}, Pingan.badge(incident.state)),
        el('td', {}, lead));
      row.addEventListener('click', () => show(incident.number));
      if (incident.number === selected) row.classList.add('selected');
      body.append(row);
    }
    if (!page.items.length) body.append(el('tr', {}, el('td', { colspan: 4, class: 'empty' }, '没有' + Pingan.stateName(current) + '的警情')));
  }

  async function unitOptions(incident) {
    if (!units) {
      const under = user.place_code && user.role !== 'admin' ? '&under=' + encodeURIComponent(user.place_code) : '';
      const page = await api('/api/units?page_size=500' + under);
      units = page.items;
    }
    const county = incident.county_code;
    const local = units.filter((u) => !county || (u.county_code || '').startsWith(county));
    return local.length ? local : units;
  }

  async function routingSlot(incident) {
    const slot = el('div', { class: 'slot', id: 'routing-slot' }, '正在读取路由依据…');
    try {
      const routing = await api('/api/incidents/' + encodeURIComponent(incident.number) + '/routing');
      clear(slot).append(el('strong', {}, '路由依据'));
      const decisions = Array.isArray(routing) ? routing : (routing.items || [routing]);
      for (const d of decisions) {
        slot.append(el('p', {}, (d.rule ? '规则：' + d.rule + '。' : '') + (d.reason || '')),
          el('p', { class: 'muted small' }, '规则版本：' + (d.rules_version || '—')));
      }
    } catch (error) {
      clear(slot).append(el('strong', {}, '路由依据（待接入）'),
        el('p', {}, '路由说明接口（GET /api/incidents/{编号}/routing）尚未提供；此处将显示命中的规则、边界和规则版本。当前承办单位见上方。'));
    }
    return slot;
  }

  async function show(number) {
    selected = number;
    for (const row of document.querySelectorAll('#queue tbody tr')) row.classList.toggle('selected', row.dataset.number === number);
    const incident = await api('/api/incidents/' + encodeURIComponent(number));
    const detail = clear($('#detail'));
    detail.append(
      el('h2', {}, el('a', { href: '/incidents/' + encodeURIComponent(number) }, incident.number), ' ', Pingan.badge(incident.state)),
      el('dl', { class: 'facts' },
        el('dt', {}, '报警时间'), el('dd', {}, Pingan.fullTime(incident.reported_at)),
        el('dt', {}, '类别'), el('dd', {}, (incident.category_name || '待研判') + (incident.police === false ? '（非警务）' : '')),
        el('dt', {}, '紧急程度'), el('dd', {}, incident.urgency ? incident.urgency + ' 级' : '—'),
        el('dt', {}, '地址'), el('dd', {}, incident.address || '—'),
        el('dt', {}, '内容'), el('dd', {}, incident.description),
        el('dt', {}, '承办单位'), el('dd', {}, incident.assignments.filter((a) => a.active)
          .map((a) => a.unit_name + (a.role === 'lead' ? '（主办）' : '（协办）')).join('、') || '未派单')));
    detail.append(el('h2', { style: 'margin-top:14px' }, '路由'), await routingSlot(incident));
    if (incident.allowed_actions.includes('assign')) {
      const options = await unitOptions(incident);
      const select = el('select', { id: 'assign-unit' }, options.map((u) => el('option', { value: u.id }, u.name + '（' + u.type_name + '）')));
      const button = el('button', { type: 'button', class: 'primary', id: 'assign' }, '派单');
      button.addEventListener('click', async () => {
        try {
          await api('/api/incidents/' + encodeURIComponent(number) + '/actions/assign', { method: 'POST', body: { payload: { units: [Number(select.value)] } } });
          toast('已派单', 'ok');
          await render();
          show(number);
        } catch (error) { toast(error.message, 'error'); }
      });
      detail.append(el('h2', { style: 'margin-top:14px' }, '派单'), el('div', { class: 'row' }, select, button));
    }
    detail.append(Pingan.actionPanel(incident, ['cancel', 'call_back', 'reopen'], async () => { await render(); show(number); }));
  }

  await render();
})();
