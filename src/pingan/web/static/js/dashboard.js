/* The command dashboard (大屏): every figure comes from /api/dashboard/*, scoped by the server. */
'use strict';
(async () => {
  const { api, el, $, clear, time, stateName } = Pingan;
  const user = await Pingan.requireLogin();
  const params = new URLSearchParams(location.search);
  const place = params.get('place');
  const q = (path, extra = {}) => {
    const search = new URLSearchParams(extra);
    if (place) search.set('place', place);
    const text = search.toString();
    return '/api/dashboard/' + path + (text ? '?' + text : '');
  };

  const STATE_COLOURS = {
    received: '#ff4d4f', triaged: '#ff7a45', assigned: '#ffa940', returned: '#f759ab',
    signed_for: '#ffd666', on_scene: '#bae637', handled: '#5cdbd3', closed: '#40a9ff',
    called_back: '#597ef7', merged: '#8c8c8c', cancelled: '#595959',
  };
  const TEXT = '#cfe8ff';
  const MUTED = '#7fa7c9';
  const textStyle = { color: TEXT, fontFamily: 'inherit' };
  const charts = {};
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
    return charts[id];
  }
  window.addEventListener('resize', Pingan.debounce(() => Object.values(charts).forEach((c) => c.resize()), 150));

  /* Clock */
  const clockNode = $('#clock');
  const tick = () => { clockNode.textContent = Pingan.fullTime(new Date().toISOString()); };
  tick();
  setInterval(tick, 1000);

  /* Breadcrumbs: drill back up to the user's own jurisdiction. */
  async function crumbs(target) {
    const nav = clear($('#crumbs'));
    let chain = [];
    try { chain = await api('/api/places/' + encodeURIComponent(target.code) + '/ancestors'); } catch (e) { chain = []; }
    const home = user.place_code;
    let started = !home || user.role === 'admin';
    for (const p of chain) {
      if (p.code === home) started = true;
      if (!started) continue;
      nav.append(el('a', { href: '/dashboard?place=' + encodeURIComponent(p.code) }, p.name), el('span', { class: 'sep' }, '›'));
    }
    nav.append(el('strong', {}, target.name));
  }

  /* Key figures */
  function percent(value) { return value === null || value === undefined ? '—' : (value * 100).toFixed(1) + '%'; }
  function number(value, digits = 0) { return value === null || value === undefined ? '—' : Number(value).toFixed(digits); }
  async function figures() {
    const f = await api(q('figures'));
    $('#place-name').textContent = f.place.name;
    document.title = f.place.name + ' · 平安指挥大屏';
    const cards = [
      ['今日警情', number(f.received), '起', 'received'],
      ['非警务分流', percent(f.diverted_share), '', 'diverted'],
      ['在办警情', number(f.open), '起', 'open'],
      ['超时未办', number(f.overdue), '起', f.overdue ? 'alarm' : 'overdue'],
      ['平均到场', number(f.arrival_minutes, 1), '分钟', 'arrival'],
      ['群众满意度', f.satisfaction === null ? '—' : number(f.satisfaction, 2), '/5', 'satisfaction'],
      ['问题解决率', percent(f.solved_rate), '', 'solved'],
      ['今日办结', number(f.closed), '起', 'closed'],
    ];
    clear($('#figures')).append(...cards.map(([label, value, unit, key]) =>
      el('div', { class: 'figure ' + key, dataset: { figure: key } },
        el('span', { class: 'figure-label' }, label),
        el('span', { class: 'figure-value' }, value, el('small', {}, unit)))));
    return f;
  }

  /* Trends */
  let trendDays = 7;
  async function trends() {
    const t = await api(q('trends', { days: trendDays }));
    const yoy = t.year_on_year === null ? '去年同期无数据' : '同比 ' + (t.year_on_year >= 0 ? '+' : '') + (t.year_on_year * 100).toFixed(1) + '%';
    $('#trend-note').textContent = '合计 ' + t.total + ' 起，去年同期 ' + t.total_last_year + ' 起，' + yoy;
    chart('trend-chart').setOption({
      textStyle,
      grid: { left: 40, right: 12, top: 28, bottom: 24 },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      legend: { textStyle: { color: MUTED }, top: 0, itemHeight: 8 },
      xAxis: { type: 'category', data: t.days.map((d) => d.slice(5)), axisLabel: { color: MUTED }, axisLine: { lineStyle: { color: '#2a4a6b' } } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: '#16324f' } } },
      series: [
        { name: '警情', type: 'line', smooth: true, data: t.received, areaStyle: { opacity: 0.15 }, itemStyle: { color: '#36cfc9' } },
        { name: '非警务', type: 'line', smooth: true, data: t.diverted, itemStyle: { color: '#ffc53d' } },
        { name: '去年同期', type: 'line', smooth: true, data: t.received_last_year, lineStyle: { type: 'dashed' }, itemStyle: { color: '#597ef7' } },
      ],
    }, true);
  }
  for (const button of document.querySelectorAll('#trend-days button')) {
    button.addEventListener('click', () => {
      trendDays = Number(button.dataset.days);
      document.querySelectorAll('#trend-days button').forEach((b) => b.classList.toggle('on', b === button));
      trends();
    });
  }

  async function categories() {
    const c = await api(q('categories', { days: 7 }));
    chart('category-chart').setOption({
      textStyle,
      tooltip: { trigger: 'item', renderMode: 'richText' },
      legend: { type: 'scroll', orient: 'vertical', right: 0, top: 'middle', textStyle: { color: MUTED } },
      series: [{
        type: 'pie', radius: ['45%', '72%'], center: ['36%', '52%'],
        label: { show: false },
        data: c.items.map((i) => ({ name: i.name, value: i.n })),
      }],
      color: ['#36cfc9', '#ffc53d', '#ff7a45', '#597ef7', '#73d13d', '#f759ab', '#9254de', '#40a9ff', '#ffa940', '#bae637', '#ff4d4f', '#8c8c8c'],
    }, true);
  }

  /* Map: boundaries (GeoJSON, no tiles), incident points coloured by state, density. */
  let layer = 'points';
  let mapState = { points: [], density: [], live: [], resources: [] };
  let regionCodes = new Map();
  let mapName = null;
  async function boundaries() {
    const b = await api(q('boundaries'));
    mapName = 'area-' + b.place.code;
    regionCodes = new Map(b.geojson.features.map((f) => [f.properties.name, f.properties.code]));
    echarts.registerMap(mapName, b.geojson);
    return b;
  }
  function drawMap() {
    if (!mapName) return;
    const legend = clear($('#map-legend'));
    const shown = ['received', 'triaged', 'assigned', 'signed_for', 'on_scene', 'handled', 'closed', 'called_back'];
    for (const s of shown) legend.append(el('span', {}, el('i', { style: 'background:' + STATE_COLOURS[s] }), stateName(s)));
    const maxDensity = Math.max(1, ...mapState.density.map((p) => p.n));
    const series = [];
    if (layer === 'heat') {
      series.push({
        name: '密度', type: 'heatmap', coordinateSystem: 'geo', pointSize: 14, blurSize: 18,
        data: mapState.density.map((p) => [p.lon, p.lat, p.n]),
      });
    } else {
      series.push({
        name: '警情', type: 'scatter', coordinateSystem: 'geo', symbolSize: 8,
        data: mapState.points.map((p) => ({
          name: p.number + ' ' + (p.category || '') + ' ' + p.state_name,
          value: [p.lon, p.lat],
          itemStyle: { color: STATE_COLOURS[p.state] || '#fff', opacity: p.open ? 0.95 : 0.55 },
        })),
      });
      series.push({
        name: '力量', type: 'scatter', coordinateSystem: 'geo', symbol: 'diamond', symbolSize: 7,
        data: mapState.resources.filter((r) => r.lon !== null).map((r) => ({
          name: r.name + ' ' + r.status_name, value: [r.lon, r.lat],
          itemStyle: { color: r.status === 'available' ? '#73d13d' : '#d9d9d9', opacity: 0.8 },
        })),
      });
    }
    series.push({
      name: '新警情', type: 'effectScatter', coordinateSystem: 'geo', symbolSize: 14,
      rippleEffect: { scale: 4, brushType: 'stroke' },
      data: mapState.live.map((p) => ({ name: p.number + ' ' + (p.category || ''), value: [p.lon, p.lat] })),
      itemStyle: { color: '#ff4d4f' },
    });
    chart('map').setOption({
      textStyle,
      tooltip: { trigger: 'item', renderMode: 'richText', formatter: (p) => (p.seriesType === 'heatmap' ? '警情 ' + p.value[2] + ' 起' : p.name) },
      visualMap: layer === 'heat' ? {
        min: 0, max: maxDensity, calculable: false, orient: 'vertical', left: 8, bottom: 12,
        text: ['多', '少'], textStyle: { color: MUTED }, seriesIndex: 0,
        inRange: { color: ['#0c3c5c', '#1890ff', '#36cfc9', '#ffe58f', '#ff7a45', '#ff4d4f'] },
      } : undefined,
      geo: {
        map: mapName, roam: true, zoom: 1.05,
        label: { show: true, color: '#8fb8da', fontSize: 12 },
        itemStyle: { areaColor: '#0d2b4b', borderColor: '#38b6ff', borderWidth: 1.2, shadowColor: '#0a84ff', shadowBlur: 8 },
        emphasis: { label: { color: '#fff' }, itemStyle: { areaColor: '#16508a' } },
        select: { disabled: true },
      },
      series,
    }, true);
  }
  for (const button of document.querySelectorAll('#map-layer button')) {
    button.addEventListener('click', () => {
      layer = button.dataset.layer;
      document.querySelectorAll('#map-layer button').forEach((b) => b.classList.toggle('on', b === button));
      drawMap();
    });
  }
  function drill(code) { if (code) location.href = '/dashboard?place=' + encodeURIComponent(code); }

  async function points() {
    const [p, d] = await Promise.all([api(q('points', { limit: 800 })), api(q('density', { days: 30 }))]);
    mapState.points = p.items;
    mapState.density = d.points;
    drawMap();
  }

  /* Children of the place, for the drill-down */
  async function places() {
    const p = await api(q('places', { days: 30 }));
    const LEVELS = { city: '各市', county: '各县（市、区）', town: '各乡镇（街道）', village: '各村（社区）' };
    $('#places-title').textContent = (LEVELS[p.level] || '下级地区') + '警情（近30日）';
    const items = p.items.slice(0, 15);
    const c = chart('places-chart');
    c.setOption({
      textStyle,
      grid: { left: 8, right: 16, top: 10, bottom: 4, containLabel: true },
      tooltip: { trigger: 'axis', renderMode: 'richText' },
      xAxis: { type: 'category', data: items.map((i) => i.name), axisLabel: { color: MUTED, interval: 0, rotate: items.length > 8 ? 30 : 0 } },
      yAxis: { type: 'value', minInterval: 1, axisLabel: { color: MUTED }, splitLine: { lineStyle: { color: '#16324f' } } },
      series: [
        { name: '警情', type: 'bar', data: items.map((i) => i.received), itemStyle: { color: '#36cfc9' }, barMaxWidth: 26 },
        { name: '非警务', type: 'bar', data: items.map((i) => i.diverted), itemStyle: { color: '#ffc53d' }, barMaxWidth: 26 },
      ],
    }, true);
    c.off('click');
    c.on('click', (event) => drill(items[event.dataIndex] && items[event.dataIndex].code));
    return p;
  }

  async function resources() {
    const r = await api(q('resources'));
    mapState.resources = r.items;
    $('#resource-total').textContent = '共 ' + r.total + ' 个';
    const statuses = Object.keys(r.statuses).filter((s) => s !== 'maintenance');
    const table = clear($('#resources'));
    table.append(el('thead', {}, el('tr', {}, el('th', {}, '类型'), statuses.map((s) => el('th', {}, r.statuses[s])))));
    const body = el('tbody');
    for (const kind of r.kinds) {
      body.append(el('tr', {}, el('td', {}, kind.name), statuses.map((s) => el('td', { class: 'n status-' + s }, kind.by_status[s] || 0))));
    }
    if (!r.kinds.length) body.append(el('tr', {}, el('td', { colspan: statuses.length + 1, class: 'muted' }, '辖区内暂无登记的力量')));
    table.append(body);
  }

  async function incidentFree() {
    const f = await api(q('incident-free', { days: 30 }));
    clear($('#free-summary')).append(
      el('span', { class: 'big' }, f.free),
      el('span', {}, ' / ' + f.villages + ' 个村社'),
      el('span', { class: 'muted' }, f.share === null ? '' : '，占 ' + (f.share * 100).toFixed(1) + '%'));
    const list = clear($('#free-list'));
    for (const v of f.items.slice(0, 60)) list.append(el('li', {}, v.name, el('small', {}, v.town || '')));
    if (f.free > f.items.length) list.append(el('li', { class: 'muted' }, '…等 ' + f.free + ' 个'));
  }

  /* Live feed */
  const feed = $('#feed');
  let feedCount = 0;
  function addFeed(item) {
    feedCount += 1;
    $('#feed-count').textContent = '本次已接收 ' + feedCount + ' 条';
    const link = el('a', { href: '/incidents/' + encodeURIComponent(item.number) }, item.number);
    const row = el('li', { class: 'fresh', dataset: { number: item.number } },
      el('span', { class: 'feed-time' }, time(item.at)),
      el('span', { class: 'badge state-' + item.to_state }, item.state_name),
      el('span', { class: 'feed-body' }, el('strong', {}, item.category || '待研判'), el('small', {}, (item.place || '') + ' ', link)));
    feed.prepend(row);
    setTimeout(() => row.classList.remove('fresh'), 3000);
    while (feed.children.length > 40) feed.lastElementChild.remove();
    if (item.action === 'create' && item.lon !== null) {
      mapState.live = [item, ...mapState.live].slice(0, 20);
    }
  }
  const refreshAfterFeed = Pingan.debounce(() => { figures(); points(); trends(); categories(); }, 1500);
  Pingan.stream(q('feed'), (event, data) => {
    if (event !== 'incident') return;
    addFeed(data);
    refreshAfterFeed();
  }, { onState: (up) => { $('#live-state').classList.toggle('down', !up); } });

  async function recentFeed() {
    // Fill the list with the latest incidents so the panel is never empty on a quiet shift.
    const p = await api(q('points', { limit: 12 }));
    for (const item of p.items.slice().reverse()) {
      const row = el('li', { dataset: { number: item.number } },
        el('span', { class: 'feed-time' }, time(item.reported_at)),
        el('span', { class: 'badge state-' + item.state }, item.state_name),
        el('span', { class: 'feed-body' }, el('strong', {}, item.category || '待研判'),
          el('small', {}, el('a', { href: '/incidents/' + encodeURIComponent(item.number) }, item.number))));
      feed.prepend(row);
    }
  }

  try {
    const [f] = await Promise.all([figures(), boundaries()]);
    crumbs(f.place);
    const map = chart('map');
    map.on('click', (event) => {
      if (event.componentType === 'geo') drill(regionCodes.get(event.name));
    });
    await Promise.all([trends(), categories(), points(), places(), resources(), incidentFree(), recentFeed()]);
    drawMap();
    document.body.dataset.ready = 'true';
  } catch (error) {
    Pingan.toast(error.message, 'error');
  }
  setInterval(() => { figures(); trends(); points(); resources(); }, 60000);
})();
