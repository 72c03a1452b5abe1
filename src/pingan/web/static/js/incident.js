/* One incident and its full history. */
'use strict';
(async () => {
  const { api, el, $, clear, toast } = Pingan;
  await Pingan.requireLogin();
  const number = $('#incident').dataset.number;
  const path = '/api/incidents/' + encodeURIComponent(number);
  const LABELS = { code: '类别', police: '警务', urgency: '紧急程度', units: '单位', result: '结果', reason: '理由',
    note: '进展', satisfaction: '满意度', solved: '已解决', into: '并入', channel: '渠道', place_code: '地点', rule: '规则',
    step: '环节', stage: '阶段' };
  const STEPS = { sign_for: '签收', arrive: '到场', finish: '处置', call_back: '回访' };
  const STAGES = { warning: '提醒', supervise: '督办', notice: '通报' };
  let unitNames = {};
  let placeNames = {};
  function describe(payload) {
    const parts = [];
    for (const [key, value] of Object.entries(payload || {})) {
      if (!(key in LABELS)) continue;
      let text = value;
      if (key === 'code') text = Pingan.categoryName(value);
      else if (typeof value === 'boolean') text = value ? '是' : '否';
      else if (key === 'units' && Array.isArray(value)) text = value.map((id) => unitNames[id] || '单位 ' + id).join('、');
      else if (Array.isArray(value)) text = value.join('、');
      else if (key === 'channel') text = Pingan.vocab.channels[value] || value;
      else if (key === 'place_code') text = placeNames[value] || value;
      else if (key === 'step') text = STEPS[value] || value;
      else if (key === 'stage') text = STAGES[value] || value;
      parts.push(LABELS[key] + '：' + text);
    }
    return parts.join('；');
  }
  async function load() {
    let incident;
    try {
      incident = await api(path);
    } catch (error) {
      clear($('#summary')).append(el('p', { class: 'empty' }, error.message));
      return;
    }
    const summary = clear($('#summary'));
    document.title = incident.number + ' · 警情详情 · 平安';
    summary.append(
      el('h2', {}, incident.number, ' ', Pingan.badge(incident.state)),
      el('dl', { class: 'facts' },
        el('dt', {}, '报警时间'), el('dd', {}, Pingan.fullTime(incident.reported_at)),
        el('dt', {}, '渠道'), el('dd', {}, Pingan.vocab.channels[incident.channel] || incident.channel),
        el('dt', {}, '报警人'), el('dd', {}, [incident.caller_name, incident.caller_phone].filter(Boolean).join(' ') || '—'),
        el('dt', {}, '地址'), el('dd', {}, incident.address || '—'),
        el('dt', {}, '内容'), el('dd', {}, incident.description),
        el('dt', {}, '类别'), el('dd', {}, (incident.category_name || '待研判') + (incident.police === false ? '（非警务）' : '')),
        el('dt', {}, '紧急程度'), el('dd', {}, incident.urgency ? incident.urgency + ' 级' : '—'),
        el('dt', {}, '承办单位'), el('dd', {}, incident.assignments.filter((a) => a.active).map((a) => a.unit_name).join('、') || '—'),
        el('dt', {}, '处置结果'), el('dd', {}, incident.result || '—'),
        el('dt', {}, '回访'), el('dd', {}, incident.satisfaction ? '满意度 ' + incident.satisfaction + '/5，' + (incident.solved ? '已解决' : '未解决') : '—')),
      Pingan.actionPanel(incident, ['triage', 'sign_for', 'arrive', 'progress', 'finish', 'close', 'call_back', 'return_incident', 'reopen', 'cancel'], () => load()));
    // Names for the ids and codes the history records: the incident's units and its places.
    unitNames = Object.fromEntries(incident.assignments.map((a) => [a.unit_id, a.unit_name]));
    const codes = [incident.place_code, incident.town_code, incident.county_code].filter(Boolean);
    const found = await Promise.all(codes.map((code) => api('/api/places/' + encodeURIComponent(code)).catch(() => null)));
    placeNames = Object.fromEntries(found.filter(Boolean).map((p) => [p.code, p.name]));
    const events = await api(path + '/events');
    const list = clear($('#timeline'));
    for (const event of events) {
      list.append(el('li', { dataset: { action: event.action } },
        el('div', {}, el('span', { class: 'when' }, Pingan.fullTime(event.at)), el('strong', {}, Pingan.actionName(event.action)),
          ' ', el('span', { class: 'muted small' }, (event.from_state ? Pingan.stateName(event.from_state) + ' → ' : '') + Pingan.stateName(event.to_state) + ' · ' + event.actor)),
        el('div', { class: 'detail' }, describe(event.payload))));
    }
    try {
      const check = await api(path + '/verify');
      $('#verify').textContent = check.intact ? '流转记录完整（哈希链校验通过）' : '警告：流转记录校验未通过';
    } catch (error) {
      toast(error.message, 'error');
    }
  }
  load();
})();
