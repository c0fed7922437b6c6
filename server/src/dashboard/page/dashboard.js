// The ops dashboard's page: reads the kit's dashboard API (relative to this page) and draws it.
// Data is only ever put into the page as text (textContent), never as HTML.
'use strict'
;(function dashboard() {
  const TOKEN_KEY = 'faceid-dashboard-token'
  const PERIODS = { '24h': 24 * 3600e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3, '90d': 90 * 86400e3 }
  const COLORS = { passed: '#12b76a', failed: '#f04438', expired: '#98a2b3', pending: '#f79009' }
  const OUTCOMES = ['passed', 'failed', 'expired', 'pending']
  const $ = (id) => document.getElementById(id)
  const charts = {}
  let loading = 0

  function token() {
    return sessionStorage.getItem(TOKEN_KEY) || ''
  }

  class AuthError extends Error {}

  async function api(name, params) {
    const query = params ? `?${new URLSearchParams(params)}` : ''
    const headers = { Accept: 'application/json' }
    if (token()) headers.Authorization = `Bearer ${token()}`
    const res = await fetch(`api/${name}${query}`, { headers, credentials: 'same-origin', cache: 'no-store' })
    if (res.status === 401) throw new AuthError('unauthenticated')
    const body = await res.json().catch(() => null)
    if (!res.ok) throw new Error((body && body.error && body.error.message) || `HTTP ${res.status}`)
    return body
  }

  function setState(state) {
    document.body.dataset.state = state
    $('login').hidden = state !== 'login'
    $('content').hidden = state === 'login'
    $('sign-out').hidden = !token()
  }

  function el(tag, text, className) {
    const node = document.createElement(tag)
    if (text !== undefined && text !== null) node.textContent = String(text)
    if (className) node.className = className
    return node
  }

  function setMetric(name, value) {
    const node = document.querySelector(`[data-metric="${name}"]`)
    if (node) node.textContent = value
  }

  const integer = (n) => String(n)
  const percent = (r) => (r === null ? '–' : `${(r * 100).toFixed(1)}%`)
  const money = (n, currency) => `${currency} ${n.toFixed(2)}`

  function duration(seconds) {
    const s = Math.max(0, Math.round(Math.abs(seconds)))
    const d = Math.floor(s / 86400)
    const h = Math.floor((s % 86400) / 3600)
    const m = Math.floor((s % 3600) / 60)
    return d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${m} min` : `${m} min`
  }

  function beijing(iso) {
    if (!iso) return '–'
    const shifted = new Date(new Date(iso).getTime() + 8 * 3600e3).toISOString()
    return `${shifted.slice(0, 10)} ${shifted.slice(11, 16)}`
  }

  /** Midnight in Beijing (UTC+8) of a YYYY-MM-DD day, as an instant. */
  function beijingMidnight(day) {
    return new Date(Date.parse(`${day}T00:00:00+08:00`))
  }

  function currentQuery() {
    let from
    let to
    if ($('period').value === 'custom' && $('from-day').value && $('to-day').value) {
      from = beijingMidnight($('from-day').value)
      to = new Date(beijingMidnight($('to-day').value).getTime() + 86400e3)
    } else {
      to = new Date()
      from = new Date(to.getTime() - (PERIODS[$('period').value] || PERIODS['7d']))
    }
    const params = { from: from.toISOString(), to: to.toISOString() }
    if ($('kind').value) params.kind = $('kind').value
    if ($('provider').value) params.provider = $('provider').value
    return params
  }

  function fillSelect(select, values, label) {
    const keep = select.value
    while (select.options.length > 1) select.remove(1)
    for (const value of values) select.add(new Option(label(value), value))
    if (values.includes(keep)) select.value = keep
  }

  function drawSeries(overview) {
    const labels = overview.series.map((p) => (overview.period.bucket === 'hour' ? p.bucket.slice(5).replace('T', ' ') : p.bucket.slice(5)))
    const datasets = OUTCOMES.map((o) => ({ label: o, data: overview.series.map((p) => p[o]), backgroundColor: COLORS[o], stack: 'outcomes' }))
    charts.series?.destroy()
    charts.series = new Chart($('series-chart'), {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: 'bottom' } },
      },
    })
    const t = overview.totals
    charts.outcomes?.destroy()
    charts.outcomes = new Chart($('outcome-chart'), {
      type: 'doughnut',
      data: { labels: OUTCOMES, datasets: [{ data: OUTCOMES.map((o) => t[o]), backgroundColor: OUTCOMES.map((o) => COLORS[o]) }] },
      options: { animation: false, maintainAspectRatio: false, plugins: { legend: { position: 'bottom' } } },
    })
  }

  function showOverview(overview) {
    const t = overview.totals
    setMetric('started', integer(t.started))
    for (const o of OUTCOMES) setMetric(o, integer(t[o]))
    setMetric('pass-rate', percent(t.passRate))
    setMetric('billable', integer(t.billable))
    $('bucket-label').textContent = overview.period.bucket === 'hour' ? 'per hour' : 'per day'
    $('period-label').textContent = `${beijing(overview.period.from)} → ${beijing(overview.period.to)} (Beijing time)`
    drawSeries(overview)
  }

  function showBilling(billing) {
    setMetric('cost', money(billing.total.cost, billing.currency))
    $('cost-note').textContent = billing.total.unpriced.length ? `no price set for ${billing.total.unpriced.join(', ')}` : 'at the configured unit prices'
    const body = $('billing').tBodies[0]
    body.replaceChildren()
    for (const row of billing.rows) {
      const tr = el('tr')
      tr.append(el('td', row.kind), el('td', integer(row.billable), 'num'), el('td', row.unitPrice === null ? '–' : row.unitPrice.toFixed(2), 'num'), el('td', row.cost === null ? '–' : money(row.cost, billing.currency), 'num'))
      body.append(tr)
    }
    const total = el('tr')
    total.append(el('th', 'Total'), el('th', integer(billing.total.billable), 'num'), el('th', ''), el('th', money(billing.total.cost, billing.currency), 'num'))
    body.append(total)
  }

  function showFailures(failures) {
    const body = $('failures').tBodies[0]
    body.replaceChildren()
    for (const row of failures.top) {
      const tr = el('tr')
      tr.dataset.code = row.code === null ? '' : String(row.code)
      const meaning = el('td', row.en || (row.code === null ? 'No code recorded' : 'Not in the catalog'))
      if (row.zh) meaning.append(el('span', row.zh, 'zh'))
      tr.append(el('td', row.code === null ? '–' : row.code), el('td', row.kind), el('td', integer(row.count), 'num'), el('td', percent(row.share), 'num'), meaning)
      body.append(tr)
    }
    $('failures-empty').hidden = failures.top.length > 0
  }

  function showSweeper(s) {
    setMetric('sweeper-open', integer(s.open))
    setMetric('sweeper-due', integer(s.due))
    setMetric('sweeper-leased', integer(s.leased))
    setMetric('sweeper-near-limit', integer(s.nearLimit))
    const bar = $('oldest-bar')
    if (s.oldest) {
      const left = s.oldest.secondsLeft
      $('oldest-text').textContent = `${s.oldest.token} (${s.oldest.kind}), issued ${beijing(s.oldest.issuedAt)}, ${duration(s.oldest.ageSeconds)} old: ${left > 0 ? `${duration(left)} left` : `${duration(left)} past the limit`}`
      const ratio = Math.min(1, s.oldest.ageSeconds / s.oldest.retentionSeconds)
      bar.style.width = `${(ratio * 100).toFixed(1)}%`
      bar.className = left <= 0 ? 'over' : left < 86400 ? 'late' : ''
    } else {
      $('oldest-text').textContent = 'No open token.'
      bar.style.width = '0'
    }
    const note = $('sweeper-note')
    note.hidden = s.running || s.open === 0
    note.textContent = 'This instance runs no sweeper: make sure another one does, or cron runs faceid-kit-sweep.'
  }

  function showReconciliation(r) {
    const box = $('reconciliation')
    box.replaceChildren()
    if (!r.last) {
      box.append(el('p', 'No bill pulled yet. The daily bill pull runs in live mode after 06:00 Beijing time.', 'muted'))
      return
    }
    const last = r.last
    const head = el('p')
    head.append(el('strong', last.date), ' ', el('span', last.ok ? 'matches' : `${last.total} discrepanc${last.total === 1 ? 'y' : 'ies'}`, `badge ${last.ok ? 'ok' : 'bad'}`))
    head.dataset.discrepancies = String(last.total)
    box.append(head)
    const stats = el('dl', undefined, 'stats')
    for (const [label, value] of [['Billable (ledger)', last.billable.ours], ['Billable (Tencent)', last.billable.tencent]]) {
      const div = el('div')
      div.append(el('dt', label), el('dd', integer(value)))
      stats.append(div)
    }
    box.append(stats)
    if (last.discrepancies.length > 0) {
      const table = el('table')
      const thead = el('thead')
      const hr = el('tr')
      hr.append(el('th', 'Discrepancy'), el('th', 'Token'), el('th', 'Ours', 'num'), el('th', 'Tencent', 'num'))
      thead.append(hr)
      const tbody = el('tbody')
      for (const d of last.discrepancies.slice(0, 8)) {
        const tr = el('tr')
        tr.append(el('td', d.kind.replaceAll('_', ' ')), el('td', d.token), el('td', d.ours ?? '–', 'num'), el('td', d.tencent ?? '–', 'num'))
        tbody.append(tr)
      }
      table.append(thead, tbody)
      box.append(table)
      if (last.total > 8) box.append(el('p', `and ${last.total - 8} more (npm run reconcile -- --date ${last.date})`, 'muted small'))
    }
  }

  function showWebhooks(w) {
    const box = $('webhooks')
    box.replaceChildren()
    if (!w.configured && w.endpoints.length === 0) {
      box.append(el('p', 'No webhook endpoint is configured.', 'muted'))
      return
    }
    const table = el('table')
    const hr = el('tr')
    hr.append(el('th', 'Endpoint'), el('th', 'Pending', 'num'), el('th', 'Delivered', 'num'), el('th', 'Failed', 'num'))
    const thead = el('thead')
    thead.append(hr)
    const tbody = el('tbody')
    for (const e of w.endpoints) {
      const tr = el('tr')
      tr.dataset.endpoint = e.endpoint
      const name = el('td', e.endpoint, 'endpoint')
      name.append(' ', el('span', e.failing ? 'failing' : e.pending > 0 ? 'retrying' : 'healthy', `badge ${e.failing ? 'bad' : e.pending > 0 ? 'off' : 'ok'}`))
      if (e.lastError && (e.failing || e.pending > 0)) name.append(el('span', `last error: ${e.lastError}`, 'zh'))
      tr.append(name, el('td', integer(e.pending), 'num'), el('td', integer(e.delivered), 'num'), el('td', integer(e.failed), 'num'))
      tbody.append(tr)
    }
    table.append(thead, tbody)
    box.append(table)
  }

  async function load() {
    const run = ++loading
    $('error').hidden = true
    try {
      const filters = await api('filters')
      fillSelect($('kind'), filters.kinds.map((k) => k.kind), (k) => k)
      fillSelect($('provider'), filters.providers, (p) => p)
      const q = currentQuery()
      const [overview, billing, failures, sweeper, reconciliation, webhooks] = await Promise.all([
        api('overview', q),
        api('billing', q),
        api('failures', q),
        api('sweeper', q),
        api('reconciliation'),
        api('webhooks'),
      ])
      if (run !== loading) return
      setState('ready')
      showOverview(overview)
      showBilling(billing)
      showFailures(failures)
      showSweeper(sweeper)
      showReconciliation(reconciliation)
      showWebhooks(webhooks)
      document.body.dataset.loadedAt = new Date().toISOString()
    } catch (error) {
      if (run !== loading) return
      if (error instanceof AuthError) {
        const hadToken = Boolean(token())
        sessionStorage.removeItem(TOKEN_KEY)
        setState('login')
        $('login-error').hidden = !hadToken
        $('login-error').textContent = 'That token was refused.'
        return
      }
      setState('error')
      $('error').hidden = false
      $('error').textContent = `Could not load the dashboard: ${error.message}`
    }
  }

  $('filters').addEventListener('submit', (event) => {
    event.preventDefault()
    load()
  })
  for (const id of ['kind', 'provider', 'from-day', 'to-day']) $(id).addEventListener('change', () => load())
  $('period').addEventListener('change', () => {
    const custom = $('period').value === 'custom'
    $('custom-from').hidden = !custom
    $('custom-to').hidden = !custom
    if (custom && !$('from-day').value) {
      // Start from the last 7 Beijing days, today included.
      const today = new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10)
      $('to-day').value = today
      $('from-day').value = new Date(Date.parse(today) - 6 * 86400e3).toISOString().slice(0, 10)
    }
    load()
  })
  $('login-form').addEventListener('submit', (event) => {
    event.preventDefault()
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim())
    $('token').value = ''
    load()
  })
  $('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY)
    load()
  })
  load()
})()
