/* The public citizen page (no login): report, then follow by number and query code. */
'use strict';
(async () => {
  const { api, el, $, clear } = Pingan;
  for (const button of document.querySelectorAll('.tabs button')) {
    button.addEventListener('click', () => {
      document.querySelectorAll('.tabs button').forEach((b) => b.classList.toggle('on', b === button));
      document.querySelectorAll('[data-tab-panel]').forEach((p) => { p.hidden = p.dataset.tabPanel !== button.dataset.tab; });
    });
  }
  const picker = $('#place-picker');
  let chosen = null;

  $('#report-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#report-error').textContent = '';
    try {
      const result = await api('/api/public/reports', { method: 'POST', body: {
        description: $('#p-description').value.trim(),
        address: $('#p-address').value.trim() || null,
        phone: $('#p-phone').value.trim() || null,
        place_code: chosen,
      } });
      const done = clear($('#report-done'));
      done.hidden = false;
      done.append(el('p', {}, '已受理，请记下以下信息用于查询进度：'),
        el('p', {}, '编号：', el('span', { class: 'code-box', id: 'r-number' }, result.number)),
        el('p', {}, '查询码：', el('span', { class: 'code-box', id: 'r-code' }, result.code)));
      $('#t-number').value = result.number;
      $('#t-code').value = result.code;
      $('#report-form').reset();
    } catch (error) {
      $('#report-error').textContent = error.message;
    }
  });

  $('#track-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    $('#track-error').textContent = '';
    const out = clear($('#track-result'));
    try {
      const r = await api('/api/public/reports/' + encodeURIComponent($('#t-number').value.trim()) + '?code=' + encodeURIComponent($('#t-code').value.trim()));
      out.append(el('h2', { style: 'margin-top:16px' }, '当前状态：', el('span', { id: 't-state' }, r.state_name)),
        el('p', {}, '类别：' + (r.category || '待研判')));
      const list = el('ol', { class: 'timeline' });
      for (const step of r.timeline) {
        list.append(el('li', {}, el('span', { class: 'when' }, Pingan.fullTime(step.at)), el('strong', {}, step.action_name), ' → ' + step.state_name));
      }
      out.append(list);
    } catch (error) {
      $('#track-error').textContent = error.message;
    }
  });

  async function level(under) {
    const data = await api('/api/public/places' + (under ? '?under=' + encodeURIComponent(under) : ''));
    if (!data.items.length) return;
    const select = el('select', { class: 'place-level' }, el('option', { value: '' }, '请选择'),
      data.items.map((p) => el('option', { value: p.code }, p.name)));
    select.addEventListener('change', async () => {
      while (select.nextSibling) select.nextSibling.remove();
      chosen = select.value || (select.previousSibling && select.previousSibling.value) || null;
      if (select.value) await level(select.value);
    });
    picker.append(select);
  }
  /* The forms work before (and without) the area list: a report then goes to the deployment's
     own area, and a slow or refused list cannot leave the form to the browser's own submission. */
  try {
    const config = await api('/api/public/config');
    picker.append(el('label', {}, config.default_place
      ? '所在地区（选填，默认' + config.default_place.name + '）'
      : '所在地区（必选）'));
    await level(null);
  } catch (error) {
    $('#report-error').textContent = '地区列表暂时无法加载：' + error.message;
  }
  document.body.dataset.ready = 'true';
})();
