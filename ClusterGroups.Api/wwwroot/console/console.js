// The operations console: reads the Api's own endpoints with the key kept in sessionStorage, refreshes every 2 s.
'use strict';
(() => {
  const keyName = 'clustergroups.apiKey';
  const $ = (selector) => document.querySelector(selector);
  let selected = null;
  // The key's name and roles (GET /v1/caller): operator actions are drawn only for an admin key.
  let caller = { name: null, roles: [] };
  const isAdmin = () => caller.roles.includes('admin');

  const text = (value) => document.createTextNode(value ?? '');
  function cell(row, value, className) {
    const td = row.insertCell();
    td.appendChild(text(value));
    if (className) td.className = className;
    return td;
  }
  function fill(table, rows, render) {
    const body = table.tBodies[0];
    body.replaceChildren();
    for (const item of rows) render(body.insertRow(), item);
  }
  const time = (at) => at ? new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3, hour12: false }) : '';
  const ms = (value) => value == null ? '' : `${value.toFixed(1)} ms`;

  async function api(path, method = 'GET', body = undefined) {
    const headers = { 'X-Api-Key': sessionStorage.getItem(keyName) ?? '' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (response.status === 401 || response.status === 403) throw new Error('unauthorized');
    if (!response.ok && response.status !== 404 && response.status !== 409 && response.status !== 400) throw new Error(`${path}: ${response.status}`);
    return response.json();
  }

  // A change the operator asked for: the answer as it came, success or ProblemDetails (400, 403, 404, 409), never thrown.
  async function send(path, method) {
    const response = await fetch(path, { method, headers: { 'X-Api-Key': sessionStorage.getItem(keyName) ?? '' } });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  function operationRow(row, op) {
    row.className = 'clickable';
    row.dataset.operation = op.operationId;
    row.addEventListener('click', () => { selected = op.operationId; showOperation(); });
    cell(row, op.operationId);
    cell(row, op.kind);
    cell(row, op.groupId);
    cell(row, op.outcome, `outcome-${op.outcome}`);
    cell(row, time(op.startedAt));
    cell(row, op.caller ?? '');
    cell(row, op.summary);
  }

  async function showCluster() {
    const view = await api('/v1/cluster');
    $('#cluster-summary').textContent = `${view.reachableCount} of ${view.nodeCount} nodes reachable`;
    fill($('#nodes'), view.nodes, (row, n) => {
      row.dataset.node = n.name;
      cell(row, n.name);
      cell(row, n.reachable ? 'yes' : (n.error ?? 'no'), n.reachable ? 'yes' : 'no');
      cell(row, n.reachable ? ms(n.latencyMs) : '');
      cell(row, n.groupCount);
      cell(row, n.address);
    });
  }

  async function showCaller() {
    caller = await api('/v1/caller');
    $('#caller').textContent = `${caller.name ? `key ${caller.name}` : 'no key'}: ${caller.roles.join(', ')}`;
  }

  // Each node's role and the epoch; Drain (active), Rejoin and Remove (drained) for an admin key. Drawn again only
  // when something changed, so that a button is not replaced under the operator's pointer.
  const changes = {
    drain: { label: 'Drain', route: (n) => [`/v1/cluster/nodes/${encodeURIComponent(n)}/drain`, 'POST'] },
    rejoin: { label: 'Rejoin', route: (n) => [`/v1/cluster/nodes/${encodeURIComponent(n)}/rejoin`, 'POST'] },
    remove: { label: 'Remove', route: (n) => [`/v1/cluster/nodes/${encodeURIComponent(n)}`, 'DELETE'] },
  };
  const offered = { Active: ['drain'], Out: ['rejoin', 'remove'] };
  let changing = false;
  let drawnMembership = '';
  async function showMembership() {
    const view = await api('/v1/cluster/membership');
    const drawn = JSON.stringify([view, isAdmin(), changing]);
    if (drawn === drawnMembership) return;
    drawnMembership = drawn;
    $('#epoch').textContent = view.epoch;
    fill($('#members'), view.members, (row, m) => {
      row.dataset.node = m.name;
      cell(row, m.name);
      cell(row, m.role, `role-${m.role}`);
      cell(row, m.address ?? '');
      const td = row.insertCell();
      if (m.role === 'Joining') td.appendChild(text('backfilling… '));
      if (!isAdmin()) return;
      for (const action of offered[m.role] ?? []) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = action;
        button.textContent = changes[action].label;
        button.disabled = changing;
        button.addEventListener('click', () => changeMembership(action, m.name));
        td.appendChild(button);
      }
    });
  }

  // One membership change; the answer says the node's role and the epoch it took effect at, or why it was refused.
  async function changeMembership(action, node) {
    const out = $('#membership-result');
    changing = true;
    for (const button of $('#members').querySelectorAll('button')) button.disabled = true;
    out.className = '';
    out.dataset.status = '';
    out.textContent = `${action} ${node}…`;
    try {
      const { status, body } = await send(...changes[action].route(node));
      out.dataset.status = status;
      if (status >= 200 && status < 300) {
        const view = body.membership ?? body;   // a drain answers { membership, open }
        const role = view.members.find(m => m.name === node)?.role ?? 'removed';
        const notes = [];
        if (role === 'Joining') notes.push('backfilling; active once it equals the others');
        if (body.open?.length) notes.push(`${body.open.length} older operation(s) still write it (${body.open.join(', ')}): wait for them before stopping it`);
        out.textContent = [`${action} ${node}: ${role} at epoch ${view.epoch}`, ...notes].join(' — ');
      } else {
        out.className = 'error';
        out.textContent = `${action} ${node} refused (${status} ${body?.title ?? ''}): ${body?.detail ?? 'no details'}`;
      }
    } catch (e) {
      out.className = 'error';
      out.dataset.status = 'failed';
      out.textContent = `${action} ${node} failed: ${e.message}`;
    } finally {
      changing = false;
      drawnMembership = '';   // drawn again even if refused: the buttons were disabled in place
      await Promise.all([showMembership(), showCluster()]).catch(() => {});
    }
  }

  // Groups × nodes: where each divergent group is (✓) and is not (✗), and the last operation on it.
  async function showConsistency() {
    const report = await api('/v1/cluster/consistency');
    $('#consistency-summary').textContent = report.summary;
    const head = $('#divergent').tHead;
    head.replaceChildren();
    const header = head.insertRow();
    for (const name of ['Group', ...report.nodes, 'Last operation']) {
      const th = document.createElement('th');
      th.textContent = name;
      header.appendChild(th);
    }
    fill($('#divergent'), report.divergent, (row, g) => {
      row.dataset.group = g.groupId;
      cell(row, g.groupId);
      for (const node of report.nodes) {
        const present = g.presentOn.includes(node);
        const td = cell(row, present ? '✓' : '✗', present ? 'yes' : 'no');
        td.dataset.node = node;
      }
      const last = g.lastOperation;
      const td = cell(row, last ? `${last.kind} ${last.outcome}` : 'none (not explained by the journal)');
      if (last) {
        row.className = 'clickable';
        row.addEventListener('click', () => { selected = last.operationId; showOperation(); });
      }
    });
  }

  async function showOpen() {
    const list = await api('/v1/operations?state=open');
    fill($('#open-ops'), list.operations, operationRow);
  }

  async function search(groupId, by) {
    const query = new URLSearchParams({ limit: '100' });
    if (groupId) query.set('groupId', groupId);
    if (by) query.set('caller', by);
    const list = await api(`/v1/operations?${query}`);
    if (list.detail) $('#refreshed').textContent = `search: ${list.detail}`;
    fill($('#search-results'), list.operations ?? [], operationRow);
  }

  // One operation's per-node timeline: every call in the order it happened.
  async function showOperation() {
    if (!selected) return;
    const op = await api(`/v1/operations/${encodeURIComponent(selected)}`);
    $('#operation').hidden = false;
    $('#op-id').textContent = op.operationId ?? selected;
    if (!op.operationId) { $('#op-summary').textContent = 'not found'; return; }
    $('#op-summary').textContent = `${op.kind} ${op.groupId}: ${op.outcome} — ${op.summary}`;
    $('#op-summary').className = `outcome-${op.outcome}`;
    $('#op-audit').textContent = [`asked by ${op.caller ?? '(no key)'}`,
      ...(op.actions ?? []).map(a => `${a.action} by ${a.by ?? '(no key)'} at ${time(a.at)}${a.reason ? `: ${a.reason}` : ''}`)].join(' · ');
    $('#op-actions').hidden = !isAdmin() || !['PendingRepair', 'Running'].includes(op.outcome);
    const calls = op.nodes.flatMap(n => n.calls.map(c => ({ node: n.node, ...c })))
      .sort((a, b) => new Date(a.at) - new Date(b.at));
    fill($('#timeline'), calls, (row, c) => {
      cell(row, time(c.at));
      cell(row, c.node);
      cell(row, c.phase);
      cell(row, c.attempt);
      cell(row, c.call.request);
      cell(row, c.call.status ?? c.call.error, (c.call.status ?? 500) >= 500 ? 'no' : '');
      cell(row, ms(c.call.durationMs));
    });
    fill($('#op-nodes'), op.nodes, (row, n) => {
      row.dataset.node = n.node;
      cell(row, n.node);
      cell(row, n.effect);
      cell(row, n.action);
      cell(row, n.compensation, n.compensation === 'Pending' ? 'no' : '');
    });
  }

  async function refresh() {
    try {
      await showCaller();
      await Promise.all([showCluster(), showMembership(), showConsistency(), showOpen(), showOperation()]);
      $('#refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (e) {
      if (e.message === 'unauthorized') { askForKey('The Api refused this key.'); return; }
      $('#refreshed').textContent = `update failed: ${e.message}`;
    }
  }

  let timer = null;
  function start() {
    $('#key-form').hidden = true;
    $('#console').hidden = false;
    $('#forget-key').hidden = false;
    refresh();
    timer ??= setInterval(refresh, 2000);
  }
  function askForKey(message) {
    clearInterval(timer);
    timer = null;
    sessionStorage.removeItem(keyName);
    $('#console').hidden = true;
    $('#forget-key').hidden = true;
    $('#key-form').hidden = false;
    $('#key-error').textContent = message ?? '';
    $('#key').focus();
  }

  $('#key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(keyName, $('#key').value.trim());
    start();
  });
  // Retry / abandon the selected operation; the answer is its report after the action (or why nothing was done).
  async function act(action, body) {
    const id = selected;
    $('#action-result').textContent = `${action}…`;
    try {
      const answer = await api(`/v1/operations/${encodeURIComponent(id)}/${action}`, 'POST', body);
      $('#action-result').textContent = answer.outcome ? `${action}: ${answer.outcome}` : (answer.detail ?? `${action} failed`);
      await refresh();
    } catch (e) {
      $('#action-result').textContent = `${action} failed: ${e.message}`;
    }
  }
  $('#retry').addEventListener('click', () => act('retry'));
  $('#abandon').addEventListener('click', () => act('abandon', { reason: $('#abandon-reason').value.trim() }));
  $('#forget-key').addEventListener('click', () => askForKey());
  $('#search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    search($('#search-group').value.trim(), $('#search-caller').value.trim()).catch(err => { $('#refreshed').textContent = `search failed: ${err.message}`; });
  });

  if (sessionStorage.getItem(keyName) !== null) start(); else askForKey();
})();
