// The dashboard: polls /status from the worker that serves it and draws what it says. Everything is built with DOM
// calls and textContent (error messages come from destinations and must never be read as HTML), and the charts are
// SVG elements drawn here: no library, no network fetch beyond /status.
'use strict';

(() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const params = new URLSearchParams(window.location.search);
  const refreshSeconds = Math.min(300, Math.max(1, Number(params.get('refresh')) || 5));
  let lastAnswerAt = null;
  let lastStatus = null;

  // ---- Formatting ----

  const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

  function count(n) { return integer.format(n ?? 0); }

  function bytes(n) {
    if (n < 1024) return `${n} B`;
    const units = ['KiB', 'MiB', 'GiB', 'TiB'];
    let value = n / 1024;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return `${decimal.format(value)} ${units[unit]}`;
  }

  function duration(seconds) {
    if (seconds < 10) return `${decimal.format(seconds)} s`;
    if (seconds < 120) return `${integer.format(seconds)} s`;
    if (seconds < 7200) return `${integer.format(seconds / 60)} min`;
    if (seconds < 172800) return `${decimal.format(seconds / 3600)} h`;
    return `${decimal.format(seconds / 86400)} d`;
  }

  // Ages are measured against the document's own time, so a browser whose clock is off still reads them right.
  function ago(iso, now) {
    if (!iso) return '—';
    const seconds = Math.max(0, (now - Date.parse(iso)) / 1000);
    return seconds < 1 ? 'just now' : `${duration(seconds)} ago`;
  }

  function clock(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? '' : date.toLocaleTimeString();
  }

  // Sequence numbers are long and share their start within a shard: their end tells checkpoints apart.
  function checkpoint(value) {
    if (!value) return '—';
    return /^\d{13,}$/.test(value) ? `…${value.slice(-10)}` : value;
  }

  function errorText(error, now) {
    return `${error.errorCode}: ${error.message} (${ago(error.time, now)})`;
  }

  // ---- DOM helpers ----

  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes ?? {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function svg(tag, attributes) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes ?? {})) node.setAttribute(name, String(value));
    return node;
  }

  // ---- Charts ----

  const H = 150;
  const PAD = { left: 44, right: 8, top: 10, bottom: 20 };

  function niceMax(value) {
    if (!(value > 0)) return 1;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const step of [1, 2, 2.5, 5, 10]) {
      if (value <= step * power) return step * power;
    }
    return 10 * power;
  }

  function axisNumber(value) {
    return value >= 10000 ? `${decimal.format(value / 1000)}k` : decimal.format(value);
  }

  // Draws each series as polylines over the window from the oldest sample (or an hour back) to now; a null value
  // (freshness not tracked) breaks the line. A single sample is drawn as a dot. W is the width the chart has on the
  // page, so that its text stays readable on a phone instead of shrinking with it.
  function chart(history, now, series, unit, W) {
    const times = history.time ?? [];
    const figure = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
    const start = Math.max(times.length ? times[0] : now, now - (history.spanSeconds ?? 3600) * 1000);
    const span = Math.max(now - start, (history.sampleSeconds ?? 10) * 1000);
    const max = niceMax(Math.max(0, ...series.flatMap(s => (history[s.key] ?? []).filter(v => v !== null))));
    const plotW = W - PAD.left - PAD.right;
    const plotH = H - PAD.top - PAD.bottom;
    const x = t => PAD.left + ((t - (now - span)) / span) * plotW;
    const y = v => PAD.top + plotH - (Math.min(v, max) / max) * plotH;

    for (const fraction of [0, 0.5, 1]) {
      const gy = PAD.top + plotH * (1 - fraction);
      figure.append(svg('line', { class: 'grid', x1: PAD.left, x2: W - PAD.right, y1: gy, y2: gy }));
      const label = svg('text', { class: 'axis', x: PAD.left - 6, y: gy + 4, 'text-anchor': 'end' });
      label.textContent = axisNumber(max * fraction);
      figure.append(label);
    }
    const left = svg('text', { class: 'axis', x: PAD.left, y: H - 4 });
    left.textContent = `−${duration(span / 1000)}`;
    const right = svg('text', { class: 'axis', x: W - PAD.right, y: H - 4, 'text-anchor': 'end' });
    right.textContent = 'now';
    const unitLabel = svg('text', { class: 'axis', x: PAD.left + 4, y: PAD.top + 10 });
    unitLabel.textContent = unit;
    figure.append(left, right, unitLabel);

    for (const s of series) {
      const values = history[s.key] ?? [];
      let run = [];
      const flush = () => {
        if (run.length === 1) {
          figure.append(svg('circle', { class: `dot ${s.css}`, cx: run[0][0], cy: run[0][1], r: 2.5 }));
        } else if (run.length > 1) {
          figure.append(svg('polyline', { class: `series ${s.css}`, points: run.map(p => `${p[0].toFixed(1)},${p[1].toFixed(1)}`).join(' ') }));
        }
        run = [];
      };
      times.forEach((t, i) => {
        if (values[i] === null || values[i] === undefined || t < now - span) { flush(); return; }
        run.push([x(t), y(values[i])]);
      });
      flush();
    }
    return figure;
  }

  function last(history, key) {
    const values = history[key] ?? [];
    return values.length ? values[values.length - 1] : null;
  }

  // ---- Page ----

  function destinationPill(pipeline, now) {
    if (!pipeline.running) return el('span', { class: 'pill bad', 'data-state': 'stopped' }, 'Stopped');
    if (pipeline.deliveryFailingSince) {
      return el('span', { class: 'pill bad', 'data-state': 'failing' }, `Failing for ${duration(pipeline.deliveryFailingSeconds ?? 0)}`);
    }
    if (pipeline.backupFailingSince) {
      return el('span', { class: 'pill bad', 'data-state': 'backup-failing' }, `Backup failing for ${duration(pipeline.backupFailingSeconds ?? 0)}`);
    }
    if (pipeline.lastDeliveryTime) {
      return el('span', { class: 'pill ok', 'data-state': 'delivering' }, `Delivering · last ${ago(pipeline.lastDeliveryTime, now)}`);
    }
    return el('span', { class: 'pill', 'data-state': 'waiting' }, 'Waiting for records');
  }

  function pipelineErrors(pipeline, now) {
    const lines = [];
    if (pipeline.leaseTableError) lines.push(`Lease table ${pipeline.leaseTable} could not be read: ${pipeline.leaseTableError}`);
    if (pipeline.lastDeliveryError && pipeline.deliveryFailingSince) {
      lines.push(`Writes to ${pipeline.destination} failing since ${clock(pipeline.deliveryFailingSince)}. Last error: ${errorText(pipeline.lastDeliveryError, now)}`);
    }
    if (pipeline.lastBackupError && pipeline.backupFailingSince) {
      lines.push(`Writes to the backup bucket failing since ${clock(pipeline.backupFailingSince)}. Last error: ${errorText(pipeline.lastBackupError, now)}`);
    }
    if (lines.length) return el('div', { class: 'alert', role: 'alert', 'data-error': 'current' }, ...lines.map(line => el('p', null, line)));

    const past = [pipeline.lastDeliveryError, pipeline.lastBackupError].filter(Boolean);
    if (!past.length) return null;
    return el('div', { class: 'alert past', 'data-error': 'past' }, ...past.map(error => el('p', null, `Recovered. Last error: ${errorText(error, now)}`)));
  }

  function counts(pipeline) {
    const c = pipeline.counts ?? {};
    const fresh = pipeline.dataFreshnessSeconds;
    const item = (key, label, value, title) => el('div', { title }, el('dt', null, label), el('dd', { 'data-count': key }, value));
    return el('dl', { class: 'counts' },
      item('freshness', 'DataFreshness', fresh === undefined ? '—' : duration(fresh), 'Age of the oldest record read but not yet delivered'),
      item('incoming', 'Incoming', count(c.incomingRecords), `${bytes(c.incomingBytes ?? 0)} read by this worker`),
      item('delivered', 'Delivered', count(c.deliveredRecords), `${bytes(c.deliveredBytes ?? 0)} taken by the destination`),
      item('backedUp', 'Backed up', count(c.backedUpRecords), 'Records that failed and were written to the backup bucket'),
      item('failed', 'Failed attempts', count((c.failedAttempts ?? 0) + (c.failedBackupAttempts ?? 0)),
        `${count(c.failedAttempts)} to the destination, ${count(c.failedBackupAttempts)} to the backup bucket; each retry counts`));
  }

  function charts(pipeline, now) {
    const history = pipeline.history ?? {};
    const fresh = last(history, 'dataFreshnessSeconds');
    const inRate = last(history, 'incomingRecordsPerSecond');
    const outRate = last(history, 'deliveredRecordsPerSecond');
    const samples = (history.time ?? []).length;
    const figure = (name, caption, series, unit) => {
      const node = el('figure', { class: 'chart', 'data-chart': name, 'data-samples': samples }, caption);
      // Drawn once the figure is on the page and has a width.
      node.draw = () => node.append(chart(history, now, series, unit, Math.max(240, Math.round(node.clientWidth - 16))));
      return node;
    };
    return el('div', { class: 'charts' },
      figure('freshness', el('figcaption', null, el('b', null, 'DataFreshness'), fresh === null ? 'no samples yet' : `now ${duration(fresh)}`),
        [{ key: 'dataFreshnessSeconds', css: 'fresh' }], 's'),
      figure('rates', el('figcaption', null, el('b', null, 'Records/s'),
        el('span', { class: 'key-in' }, `in ${inRate === null ? '—' : decimal.format(inRate)}`),
        el('span', { class: 'key-out' }, `out ${outRate === null ? '—' : decimal.format(outRate)}`)),
      [{ key: 'incomingRecordsPerSecond', css: 'in' }, { key: 'deliveredRecordsPerSecond', css: 'out' }], 'rec/s'));
  }

  const COLUMNS = ['Shard', 'Owner', 'State', 'Behind', 'Buffered', 'In flight', 'Checkpoint', 'Last delivery', 'Last error'];

  function shardRow(shard, workerId, now) {
    const here = shard.heldHere;
    const cell = (label, content, attributes) => el('td', { 'data-label': label, ...attributes }, content);
    const owner = shard.leaseOwner
      ? el('span', null, shard.leaseOwner, shard.leaseOwner === workerId ? el('span', { class: 'mine' }, ' (this worker)') : null)
      : el('span', { class: 'muted' }, 'no owner');
    const state = shard.state ?? (shard.leaseOwner && !here ? 'read elsewhere' : '—');
    const buffered = shard.bufferedRecords === undefined ? '—' : `${count(shard.bufferedRecords)} rec · ${bytes(shard.bufferedBytes)}`;
    const error = shard.lastError;
    const failingNow = error && (!shard.lastDeliveryTime || Date.parse(error.time) > Date.parse(shard.lastDeliveryTime));
    return el('tr', { 'data-shard': shard.shardId, class: here ? 'here' : null },
      cell('Shard', shard.shardId, { class: 'id' }),
      cell('Owner', owner),
      cell('State', state, { class: here ? null : 'muted' }),
      cell('Behind', shard.millisBehindLatest === undefined ? '—' : `${count(shard.millisBehindLatest)} ms`, { class: 'num' }),
      cell('Buffered', buffered, { class: 'num' }),
      cell('In flight', shard.inFlightBatches === undefined ? '—' : count(shard.inFlightBatches), { class: 'num' }),
      cell('Checkpoint', checkpoint(shard.checkpoint), { class: 'id', title: shard.checkpoint ?? null }),
      cell('Last delivery', ago(shard.lastDeliveryTime, now)),
      cell('Last error', error ? errorText(error, now) : '—', { class: error ? (failingNow ? 'err' : 'old-err') : null }));
  }

  function shardTable(pipeline, workerId, now) {
    const shards = pipeline.shards ?? [];
    if (!shards.length) return el('p', { class: 'empty' }, 'No shards yet: the lease table is empty or still being created.');
    return el('div', { class: 'table-wrap' },
      el('table', { class: 'shards' },
        el('thead', null, el('tr', null, ...COLUMNS.map(name => el('th', { scope: 'col' }, name)))),
        el('tbody', null, ...shards.map(shard => shardRow(shard, workerId, now)))));
  }

  function pipelineSection(pipeline, workerId, now) {
    return el('section', { class: 'pipeline', 'data-pipeline': pipeline.name },
      el('div', { class: 'pipeline-head' }, el('h2', null, pipeline.name), destinationPill(pipeline, now)),
      el('p', { class: 'route' }, `Kinesis stream ${pipeline.stream} → ${pipeline.target} (${pipeline.destination}) · lease table ${pipeline.leaseTable}`),
      pipelineErrors(pipeline, now),
      counts(pipeline),
      charts(pipeline, now),
      shardTable(pipeline, workerId, now));
  }

  function render(status) {
    const now = Date.parse(status.time);
    const readiness = document.getElementById('readiness');
    readiness.className = `pill ${status.ready ? 'ok' : 'bad'}`;
    readiness.textContent = status.ready ? 'Ready' : status.started ? 'Not ready' : 'Starting';
    document.getElementById('worker').textContent = `worker ${status.workerId}`;

    const problems = document.getElementById('problems');
    const reasons = status.ready ? [] : (status.notReadyBecause ?? []);
    problems.replaceChildren(...reasons.map(reason => el('p', null, reason)));
    problems.hidden = reasons.length === 0;

    const pipelines = status.pipelines ?? [];
    document.getElementById('pipelines').replaceChildren(...(pipelines.length
      ? pipelines.map(pipeline => pipelineSection(pipeline, status.workerId, now))
      : [el('p', { class: 'empty' }, 'No pipeline has started yet.')]));
    for (const figure of document.querySelectorAll('figure[data-chart]')) figure.draw?.();
    document.title = `${status.ready ? '' : '⚠ '}Delivery · ${status.workerId}`;
  }

  function showUpdated(error) {
    const updated = document.getElementById('updated');
    if (error) {
      updated.className = 'updated stale';
      updated.textContent = lastAnswerAt
        ? `The worker has not answered since ${lastAnswerAt.toLocaleTimeString()} (${error.message}); retrying every ${refreshSeconds} s`
        : `The worker does not answer (${error.message}); retrying every ${refreshSeconds} s`;
    } else {
      updated.className = 'updated';
      updated.textContent = `Updated ${lastAnswerAt.toLocaleTimeString()} · every ${refreshSeconds} s`;
    }
  }

  async function refresh() {
    try {
      const response = await fetch('status', { cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok) throw new Error(`/status answered ${response.status}`);
      lastStatus = await response.json();
      render(lastStatus);
      lastAnswerAt = new Date();
      showUpdated(null);
    } catch (error) {
      showUpdated(error);
    } finally {
      window.setTimeout(refresh, refreshSeconds * 1000);
    }
  }

  // A phone turned sideways, a window resized: the charts are drawn again at their new width.
  let resizing = null;
  window.addEventListener('resize', () => {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(() => { if (lastStatus) render(lastStatus); }, 150);
  });

  refresh();
})();
