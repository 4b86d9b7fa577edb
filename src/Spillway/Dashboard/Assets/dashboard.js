// Spillway's dashboard: polls GET /v1/overview once a second and draws what it reads. No dependencies, no build
// step: the file is embedded in the server and served as is. Data from the server is only ever set as text, never
// parsed as HTML, because message bodies are whatever a client posted.
'use strict';

(() => {
  const POLL_MS = 1000;
  const HISTORY_SECONDS = 120;
  // Rates on the cards and the drain estimate are averaged over this window, so one slow poll does not swing them.
  const RATE_WINDOW_MS = 5000;
  const DLQ_PEEK = 20;
  const KEY_STORAGE = 'spillway.apiKey';

  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat('en');
  const rateFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
  const axisFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

  let apiKey = sessionStorage.getItem(KEY_STORAGE) || '';
  let samples = [];
  // Per stream, its counters at each poll of the rate window: name -> [{ t, records, bytes }].
  let streamSamples = new Map();
  let timer = null;

  async function api(method, path) {
    const headers = { Accept: 'application/json' };
    if (apiKey) headers['X-Api-Key'] = apiKey;
    const response = await fetch(path, { method, headers, cache: 'no-store' });
    if (response.status === 401) throw new Unauthorized();
    const text = await response.text();
    const body = text ? JSON.parse(text) : {};
    if (!response.ok) throw new Error(body.detail || body.title || `${response.status} ${response.statusText}`);
    return body;
  }

  class Unauthorized extends Error {}

  function setConnection(state, text) {
    const element = $('connection');
    element.dataset.state = state;
    element.textContent = text;
  }

  function askForKey(message) {
    $('key-form').hidden = false;
    $('key-error').textContent = message || '';
    $('api-key').focus();
  }

  // One poll at a time: a poll asked for while one runs (after a button's action) runs right after it.
  let polling = false;
  let pollAgain = false;

  async function poll() {
    if (polling) {
      pollAgain = true;
      return;
    }
    polling = true;
    clearTimeout(timer);
    try {
      const overview = await api('GET', '/v1/overview');
      $('key-form').hidden = true;
      render(overview);
      await renderDeadLetters(overview);
      setConnection('ok', `updated ${new Date(overview.serverTime).toLocaleTimeString()}`);
    } catch (error) {
      if (error instanceof Unauthorized) {
        polling = false;
        setConnection('error', 'API key needed');
        askForKey(apiKey ? 'That key was refused.' : '');
        return; // resumes when a key is entered
      }
      setConnection('error', `cannot read the server: ${error.message}`);
    }
    polling = false;
    timer = setTimeout(poll, pollAgain ? 0 : POLL_MS);
    pollAgain = false;
  }

  // Route queues are what the burst fills and the workers drain; dead-letter queues are shown on their own.
  const isDeadLetterQueue = (queue) => queue.deadLetterSources.length > 0;
  const waiting = (queue) => queue.visible + queue.inFlight + queue.delayed;

  function render(overview) {
    const routeQueues = overview.queues.filter((q) => !isDeadLetterQueue(q));
    const sample = {
      t: Date.parse(overview.serverTime),
      sent: sum(routeQueues, (q) => q.sent),
      deleted: sum(routeQueues, (q) => q.deleted),
      backlog: sum(routeQueues, waiting),
    };
    const previous = samples[samples.length - 1];
    if (previous && (sample.sent < previous.sent || sample.deleted < previous.deleted || sample.t <= previous.t)) {
      samples = []; // the server restarted: its counters started again
    }
    if (previous && samples.length > 0) {
      const seconds = (sample.t - previous.t) / 1000;
      sample.ingest = (sample.sent - previous.sent) / seconds;
      sample.drain = (sample.deleted - previous.deleted) / seconds;
    }
    samples.push(sample);
    samples = samples.filter((s) => sample.t - s.t <= HISTORY_SECONDS * 1000);

    const base = samples.find((s) => sample.t - s.t <= RATE_WINDOW_MS) || sample;
    const span = (sample.t - base.t) / 1000;
    const ingest = span > 0 ? (sample.sent - base.sent) / span : null;
    const drain = span > 0 ? (sample.deleted - base.deleted) / span : null;
    const oldest = Math.max(0, ...routeQueues.map((q) => q.oldestMessageAgeSeconds || 0));

    $('backlog').textContent = number.format(sample.backlog);
    $('ingest-rate').textContent = ingest === null ? '–' : rateFormat.format(ingest);
    $('drain-rate').textContent = drain === null ? '–' : rateFormat.format(drain);
    $('eta').textContent = estimate(sample.backlog, ingest, drain);
    $('oldest').textContent = sample.backlog === 0 ? '–' : duration(oldest);

    drawChart($('rate-chart'), [
      { color: css('--ingest'), points: samples.filter((s) => s.ingest !== undefined).map((s) => [s.t, s.ingest]) },
      { color: css('--drain'), points: samples.filter((s) => s.drain !== undefined).map((s) => [s.t, s.drain]) },
    ], sample.t, false);
    drawChart($('backlog-chart'), [{ color: css('--backlog'), points: samples.map((s) => [s.t, s.backlog]) }], sample.t, true);

    renderQueues(overview.queues);
    renderStreams(overview.streams, sample.t);
    fill('topics', overview.topics, (t) => `${t.topic} ${t.protocol || ''} ${t.endpoint || ''}`, (t) => [
      t.topic, t.protocol || '', t.endpoint || '', t.protocol ? (t.confirmed ? 'yes' : 'pending') : '', t.filterPolicy || '',
      num(t.delivered), num(t.filteredOut), num(t.failed)]);
    fill('delivery-streams', overview.deliveryStreams, (d) => d.name, (d) => [
      d.name, d.bucket, num(d.bufferedRecords), num(d.bufferedBytes), num(d.incomingRecords), num(d.filesWritten),
      num(d.bytesWritten), num(d.recordsFailed), num(d.deliveryFailures),
      d.lastDeliveryLatencySeconds === undefined ? '–' : duration(d.lastDeliveryLatencySeconds)]);
    fill('buckets', overview.buckets, (b) => b.name, (b) => [b.name, b.created]);
    fill('aggregations', overview.aggregations, (a) => a.name, (a) => [
      a.name, a.source, a.state, num(a.recordsIn), num(a.lateRecords), num(a.openWindows), a.watermark || '–',
      { className: 'results', text: a.latestResults.join('\n') || '–' }]);
    renderWorkers(overview.workers);
    fill('routes', overview.routes, (r) => r.name, (r) => [
      r.name, r.path, r.queue, num(r.maxRecordsPerRequest), num(r.maxBacklog)]);
    fill('sinks', overview.sinks, (s) => s.name, (s) => [
      s.name, s.provider, num(`${s.inUse} / ${s.maxConnections}`), num(s.peakInUse), num(s.waits)]);
  }

  function estimate(backlog, ingest, drain) {
    if (backlog === 0) return 'drained';
    if (ingest === null || drain === null) return '–';
    const net = drain - ingest;
    if (drain <= 0) return 'not draining';
    if (net <= 0) return 'growing';
    return duration(backlog / net);
  }

  function renderQueues(queues) {
    fill('queues', queues, (q) => q.name, (q) => [
      q.name, num(q.visible), num(q.inFlight), num(q.delayed),
      num(q.oldestMessageAgeSeconds == null ? '–' : duration(q.oldestMessageAgeSeconds)),
      num(q.sent), num(q.deleted), num(q.deadLettered), q.deadLetterQueue || '',
    ], (row, q) => row.classList.toggle('dlq', isDeadLetterQueue(q)));
  }

  function renderStreams(streams, now) {
    const next = new Map();
    for (const s of streams) {
      const kept = (streamSamples.get(s.name) || []).filter((p) => now - p.t <= RATE_WINDOW_MS && p.records <= s.incomingRecords);
      kept.push({ t: now, records: s.incomingRecords, bytes: s.incomingBytes });
      next.set(s.name, kept);
    }
    streamSamples = next;
    const rate = (name, read) => {
      const points = streamSamples.get(name);
      const first = points[0], last = points[points.length - 1];
      return last.t > first.t ? rateFormat.format((read(last) - read(first)) / ((last.t - first.t) / 1000)) : '–';
    };
    fill('streams', streams, (s) => s.name, (s) => [
      s.name, s.status,
      num(s.keptShards > s.openShards ? `${s.openShards} open, ${s.keptShards - s.openShards} closed` : s.openShards),
      num(`${number.format(s.retentionHours)} h`), num(s.recordsKept),
      num(s.oldestRecordAgeSeconds == null ? '–' : duration(s.oldestRecordAgeSeconds)),
      num(rate(s.name, (p) => p.records)), num(rate(s.name, (p) => p.bytes)), num(s.incomingRecords),
    ]);
  }

  function renderWorkers(workers) {
    fill('workers', workers, (w) => w.name, (w) => {
      const toggle = button(w.enabled ? 'Disable' : 'Enable', 'toggle', () =>
        act(toggle, 'POST', `/v1/workers/${encodeURIComponent(w.name)}/${w.enabled ? 'disable' : 'enable'}`,
          () => `worker ${w.name} ${w.enabled ? 'disabled' : 'enabled'}`));
      const state = w.pausedBySinkOutage ? 'paused (sink down)' : w.enabled ? 'enabled' : 'disabled';
      const range = w.autoscaling && `${w.autoscaling.minConcurrency}–${w.autoscaling.maxConcurrency}`;
      const scaling = !w.autoscaling ? 'off' : w.autoscaling.lastDecision ? `${range}: ${w.autoscaling.lastDecision}` : range;
      return [w.name, w.queue, { text: state, className: w.enabled ? 'state-on' : 'state-off', field: 'state' },
        num(w.currentConcurrency), num(`${w.concurrencyLimit} / ${w.maxConcurrency}`), num(w.batchSize),
        num(w.batches), num(w.succeededMessages), num(w.failedMessages), scaling, toggle];
    });
  }

  async function renderDeadLetters(overview) {
    const container = $('dead-letters');
    const queues = overview.queues.filter(isDeadLetterQueue);
    if (queues.length === 0) {
      container.replaceChildren(element('p', 'empty', 'No dead-letter queues.'));
      return;
    }
    const peeks = await Promise.all(queues.map((q) => waiting(q) > 0
      ? api('GET', `/v1/queues/${encodeURIComponent(q.name)}/messages?limit=${DLQ_PEEK}`).then((r) => r.messages)
      : Promise.resolve([])));
    const sections = queues.map((queue, i) => {
      const section = element('div', 'dead-letter');
      section.dataset.dlq = queue.name;
      const count = waiting(queue);
      const redrive = button('Redrive', 'redrive', () =>
        act(redrive, 'POST', `/v1/queues/${encodeURIComponent(queue.name)}/redrive`,
          (result) => `moved ${result.moved} message(s) from ${queue.name} back to ${queue.deadLetterSources.join(', ')}`));
      redrive.disabled = count === 0;
      const heading = element('h3', '', `${queue.name} ← ${queue.deadLetterSources.join(', ')}`);
      const countLabel = element('span', 'count', `${number.format(count)} message(s)`);
      heading.append(countLabel, redrive);
      section.append(heading);
      if (peeks[i].length === 0) {
        section.append(element('p', 'empty', 'Empty.'));
        return section;
      }
      const table = element('table', 'messages');
      const head = element('thead');
      head.append(row(['Message id', 'Receives', 'Sent', 'Body'].map((text) => element('th', '', text))));
      const body = element('tbody');
      for (const message of peeks[i]) {
        const tr = row([
          element('td', '', message.messageId), element('td', 'n', number.format(message.receiveCount)),
          element('td', '', new Date(message.sentTimestamp).toLocaleString()), element('td', 'body', truncate(message.body, 300)),
        ]);
        tr.dataset.messageId = message.messageId;
        body.append(tr);
      }
      table.append(head, body);
      section.append(table);
      if (count > peeks[i].length) section.append(element('p', 'empty', `showing the oldest ${peeks[i].length}`));
      return section;
    });
    if (!holdsFocus(container)) container.replaceChildren(...sections);
  }

  async function act(control, method, path, describe) {
    control.disabled = true;
    const status = $('action-status');
    try {
      const result = await api(method, path);
      status.textContent = describe(result);
      status.className = 'status';
    } catch (error) {
      status.textContent = error instanceof Unauthorized ? 'API key needed' : `failed: ${error.message}`;
      status.className = 'status error';
    } finally {
      control.blur();
      poll();
    }
  }

  // Tables are keyed by name (data-key) so tests and screen readers find the same row each poll.
  function fill(tableId, items, key, cells, decorate) {
    const body = $(tableId).tBodies[0];
    const rows = items.map((item) => {
      const tr = row(cells(item).map(cell));
      tr.dataset.key = key(item);
      if (decorate) decorate(tr, item);
      return tr;
    });
    if (!holdsFocus(body)) body.replaceChildren(...rows);
  }

  // A button pressed (focused on mouse-down) is not replaced before its click lands; the action blurs it after.
  const holdsFocus = (container) => document.activeElement instanceof HTMLButtonElement && container.contains(document.activeElement);

  function cell(value) {
    if (value instanceof HTMLElement) {
      const td = element('td');
      td.append(value);
      return td;
    }
    if (value && typeof value === 'object') {
      const td = element('td', value.className || '', value.text);
      if (value.field) td.dataset.field = value.field;
      return td;
    }
    return element('td', '', String(value));
  }

  const num = (value) => ({ text: typeof value === 'number' ? number.format(value) : value, className: 'n' });

  function row(cells) {
    const tr = element('tr');
    tr.append(...cells);
    return tr;
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className, onClick) {
    const node = element('button', className, text);
    node.type = 'button';
    node.addEventListener('click', onClick);
    return node;
  }

  function drawChart(canvas, series, now, fillArea) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
    if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
    const g = canvas.getContext('2d');
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, width, height);

    const left = 56, right = 8, top = 8, bottom = 20;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const max = niceCeiling(Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[1]))));
    // The time axis grows with the history, from 30 s up to two minutes, so a page opened just now is readable.
    const oldest = Math.min(...series.flatMap((s) => s.points.map((p) => p[0])), now);
    const spanSeconds = Math.min(HISTORY_SECONDS, Math.max(30, Math.ceil((now - oldest) / 30000) * 30));
    const x = (t) => left + plotWidth * (1 - (now - t) / (spanSeconds * 1000));
    const y = (v) => top + plotHeight * (1 - v / max);

    g.font = '11px system-ui, sans-serif';
    g.fillStyle = css('--muted');
    g.strokeStyle = css('--line');
    g.lineWidth = 1;
    g.textAlign = 'right';
    g.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const value = (max * i) / 4;
      g.beginPath();
      g.moveTo(left, Math.round(y(value)) + 0.5);
      g.lineTo(width - right, Math.round(y(value)) + 0.5);
      g.stroke();
      g.fillText(compact(value), left - 6, y(value));
    }
    g.textAlign = 'center';
    g.textBaseline = 'top';
    for (let s = spanSeconds; s >= 0; s -= spanSeconds > 60 ? 30 : 15) {
      g.textAlign = s === 0 ? 'right' : s === spanSeconds ? 'left' : 'center';
      g.fillText(s === 0 ? 'now' : `-${s}s`, x(now - s * 1000), height - bottom + 4);
    }

    // How many points each line has, for whoever checks the chart (a test) without reading pixels.
    canvas.dataset.points = series.map((s) => s.points.length).join(' ');
    for (const { color, points } of series) {
      if (points.length === 0) continue;
      g.strokeStyle = color;
      g.lineWidth = 2;
      g.beginPath();
      points.forEach(([t, v], i) => (i === 0 ? g.moveTo(x(t), y(v)) : g.lineTo(x(t), y(v))));
      g.stroke();
      if (fillArea) {
        g.lineTo(x(points[points.length - 1][0]), y(0));
        g.lineTo(x(points[0][0]), y(0));
        g.closePath();
        g.globalAlpha = 0.15;
        g.fillStyle = color;
        g.fill();
        g.globalAlpha = 1;
      }
    }
  }

  function niceCeiling(value) {
    const magnitude = 10 ** Math.floor(Math.log10(value));
    return [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((m) => m >= value);
  }

  function compact(value) {
    if (value >= 1e6) return `${rateFormat.format(value / 1e6)}M`;
    if (value >= 1e3) return `${rateFormat.format(value / 1e3)}k`;
    return axisFormat.format(value);
  }

  function duration(seconds) {
    if (!isFinite(seconds)) return '–';
    if (seconds < 1) return '< 1 s';
    if (seconds < 90) return `${Math.round(seconds)} s`;
    if (seconds < 5400) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
    return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
  }

  const truncate = (text, length) => (text.length > length ? `${text.slice(0, length)}…` : text);
  const sum = (items, read) => items.reduce((total, item) => total + read(item), 0);
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    apiKey = $('api-key').value.trim();
    $('api-key').value = '';
    if (apiKey) sessionStorage.setItem(KEY_STORAGE, apiKey); else sessionStorage.removeItem(KEY_STORAGE);
    poll();
  });
  $('change-key').addEventListener('click', () => askForKey(''));

  poll();
})();
