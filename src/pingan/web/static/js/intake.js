/* The call-taker form: triage suggestions appear while the text is typed and stay editable. */
'use strict';
(async () => {
  const { api, el, $, clear, toast } = Pingan;
  await Pingan.requireLogin();
  const form = $('#intake-form');
  const fields = { code: $('#code'), urgency: $('#urgency'), place: $('#place_code') };
  const edited = new Set();            // suggestions never overwrite what the person chose
  let lastPlace = null;
  let sequence = 0;

  fields.code.addEventListener('change', () => {
    edited.add('code');
    const type = Pingan.callTypes.get(fields.code.value);
    if (type && !edited.has('police')) setPolice(type.police);
  });
  fields.urgency.addEventListener('change', () => edited.add('urgency'));
  fields.place.addEventListener('input', () => edited.add('place'));
  for (const radio of document.querySelectorAll('input[name=police]')) {
    radio.addEventListener('change', () => edited.add('police'));
  }
  function setPolice(value) {
    $('#police-yes').checked = value === true;
    $('#police-no').checked = value === false;
  }
  function police() {
    if ($('#police-yes').checked) return true;
    if ($('#police-no').checked) return false;
    return null;
  }

  let miniMap = null;
  let boundaryName = null;
  async function drawPlace(placeInfo) {
    if (!miniMap) {
      miniMap = echarts.init($('#mini-map'));
      try {
        const b = await api('/api/dashboard/boundaries');
        boundaryName = 'intake-' + b.place.code;
        echarts.registerMap(boundaryName, b.geojson);
      } catch (error) {
        boundaryName = null;  // roles without a place jurisdiction: no outline, the point still shows
      }
    }
    const point = placeInfo && placeInfo.lon !== null && placeInfo.lon !== undefined ? [[placeInfo.lon, placeInfo.lat]] : [];
    miniMap.setOption({
      geo: boundaryName ? {
        map: boundaryName, roam: true,
        itemStyle: { areaColor: '#e6f0fa', borderColor: '#5b8fd1' },
        emphasis: { disabled: true },
      } : undefined,
      series: [{
        type: 'effectScatter', coordinateSystem: boundaryName ? 'geo' : undefined, symbolSize: 12,
        itemStyle: { color: '#cf1322' }, data: point,
      }],
    }, true);
  }

  function renderSuggestion(result) {
    const t = result.triage;
    $('#confidence').textContent = t.code
      ? '置信度 ' + Math.round((t.confidence || 0) * 100) + '%'
      : '未能判断类别，请人工选择';
    if (!edited.has('code') && t.code) fields.code.value = t.code;
    if (!edited.has('police') && t.police !== null) setPolice(t.police);
    if (!edited.has('urgency') && t.urgency) fields.urgency.value = String(t.urgency);
    if (t.place) {
      lastPlace = t.place;
      if (!edited.has('place')) fields.place.value = t.place.code;
      const chain = [t.place.city, t.place.county, t.place.town, t.place.village].filter(Boolean).join(' ');
      $('#place-name').textContent = '识别地点：' + chain + (t.place.span ? '（依据“' + t.place.span + '”）' : '');
    } else {
      $('#place-name').textContent = '未识别到地点：默认为您的辖区，可填写区划代码';
    }
    drawPlace(t.place);
    const evidence = clear($('#evidence'));
    for (const item of (t.evidence || []).slice(0, 8)) {
      evidence.append(el('span', { class: 'chip' }, item.text || item.detail || item.name || ''));
    }
    const list = clear($('#duplicates'));
    for (const d of result.duplicates) {
      list.append(el('li', { class: 'warn' },
        el('a', { href: '/incidents/' + encodeURIComponent(d.number), target: '_blank' }, d.number),
        ' ' + Pingan.stateName(d.state) + ' · ' + d.reason));
    }
    for (const r of result.repeats) {
      list.append(el('li', { class: 'warn' }, '重复报警：' + r.reason));
    }
    if (!list.children.length) list.append(el('li', { class: 'muted' }, '暂无'));
  }

  const suggest = Pingan.debounce(async () => {
    const text = $('#description').value.trim();
    if (text.length < 4) return;
    const mine = ++sequence;
    $('#triage-state').textContent = '研判中…';
    try {
      const body = { text, address: $('#address').value.trim() || null, caller_phone: $('#caller_phone').value.trim() || null };
      const result = await api('/api/triage', { method: 'POST', body });
      if (mine !== sequence) return;   // a newer keystroke already asked again
      renderSuggestion(result);
      $('#triage-state').textContent = '已更新研判建议';
    } catch (error) {
      $('#triage-state').textContent = error.message;
    }
  }, 350);
  for (const id of ['#description', '#address', '#caller_phone']) $(id).addEventListener('input', suggest);

  form.addEventListener('reset', () => {
    edited.clear();
    lastPlace = null;
    setTimeout(() => {
      fields.code.value = ''; fields.urgency.value = ''; fields.place.value = '';
      setPolice(null);
      $('#place-name').textContent = '';
      clear($('#evidence'));
      clear($('#duplicates')).append(el('li', { class: 'muted' }, '暂无'));
      $('#confidence').textContent = '输入报警内容后自动研判';
    });
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = {
      channel: $('#channel').value,
      description: $('#description').value.trim(),
      address: $('#address').value.trim() || null,
      caller_phone: $('#caller_phone').value.trim() || null,
      caller_name: $('#caller_name').value.trim() || null,
      code: fields.code.value || null,
      police: police(),
      urgency: fields.urgency.value ? Number(fields.urgency.value) : null,
      place_code: fields.place.value.trim() || null,
    };
    $('#save').disabled = true;
    try {
      const incident = await api('/api/incidents', { method: 'POST', body });
      const saved = clear($('#saved'));
      saved.hidden = false;
      saved.append('已登记：', el('a', { href: '/incidents/' + encodeURIComponent(incident.number), id: 'saved-number' }, incident.number),
        ' · ' + (incident.category_name || '') + ' · ' + incident.state_name);
      toast('警情已登记 ' + incident.number, 'ok');
      form.reset();
    } catch (error) {
      toast(error.message, 'error');
    } finally {
      $('#save').disabled = false;
    }
  });
  drawPlace(null);
})();
