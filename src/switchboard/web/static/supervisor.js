/* Switchboard supervisor view: live contacts over a WebSocket, transcript and summary on click. */
"use strict";

(function () {
  const contacts = new Map();
  let selected = null;
  let detailTimer = null;
  let retryMs = 500;

  const $ = (id) => document.getElementById(id);
  const SVG = "http://www.w3.org/2000/svg";

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** A small SVG sparkline of scores in [-1, 1] (oldest left). */
  function sparkline(scores, negative) {
    const w = 100, h = 24;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    svg.setAttribute("class", "sv-spark");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", scores.length ? `sentiment ${scores.map((s) => s.toFixed(2)).join(", ")}` : "no sentiment yet");
    const zero = document.createElementNS(SVG, "line");
    zero.setAttribute("x1", "0"); zero.setAttribute("x2", String(w));
    zero.setAttribute("y1", String(h / 2)); zero.setAttribute("y2", String(h / 2));
    zero.setAttribute("class", "sv-spark__zero");
    svg.appendChild(zero);
    if (scores.length) {
      const step = scores.length > 1 ? w / (scores.length - 1) : 0;
      const pts = scores.map((s, i) => {
        const x = scores.length > 1 ? i * step : w / 2;
        const y = (1 - (Math.max(-1, Math.min(1, s)) + 1) / 2) * (h - 4) + 2;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      });
      if (pts.length === 1) {  // one reading: a short level stroke, so it shows
        const y = pts[0].split(",")[1];
        pts.splice(0, 1, `${w / 2 - 4},${y}`, `${w / 2 + 4},${y}`);
      }
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", pts.join(" "));
      line.setAttribute("class", "sv-spark__line" + (negative ? " sv-spark__line--negative" : ""));
      svg.appendChild(line);
    }
    return svg;
  }

  function row(c) {
    const tr = el("tr", "sv-row");
    tr.dataset.contactId = c.contact_id;
    tr.dataset.escalated = String(Boolean(c.escalated));
    tr.dataset.handover = String(Boolean(c.handover));
    tr.dataset.live = String(!c.ended_at);
    tr.tabIndex = 0;
    tr.setAttribute("aria-selected", String(selected === c.contact_id));
    tr.appendChild(el("td", "sv-id", c.contact_id.slice(0, 8)));
    tr.appendChild(el("td", "sv-channel", c.channel));
    tr.appendChild(el("td", "sv-route", c.route || "—"));
    tr.appendChild(el("td", "sv-turns", c.turns));
    const sent = el("td", "sv-sentiment");
    sent.appendChild(sparkline(c.sentiment || [], c.sentiment_label === "NEGATIVE"));
    if (c.sentiment_label) sent.appendChild(el("span", "sv-badge sv-badge--label", c.sentiment_label));
    tr.appendChild(sent);
    const flags = el("td", "sv-flags");
    if (c.escalated) flags.appendChild(el("span", "sv-badge sv-badge--escalated", "Escalated"));
    if (c.handover) {
      const why = c.handover_reason ? `Handover: ${c.handover_reason.replace(/_/g, " ")}` : "Handover";
      const badge = el("span", "sv-badge sv-badge--handover", why);
      if (c.queue) badge.title = `queue ${c.queue}`;
      flags.appendChild(badge);
    }
    tr.appendChild(flags);
    tr.appendChild(el("td", "sv-status", c.status));
    tr.addEventListener("click", () => select(c.contact_id));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(c.contact_id); } });
    return tr;
  }

  function render() {
    const body = $("contacts");
    const list = [...contacts.values()].sort((a, b) => {
      const live = Number(Boolean(a.ended_at)) - Number(Boolean(b.ended_at));
      return live || (Date.parse(b.started_at) - Date.parse(a.started_at));
    });
    body.replaceChildren(...list.map(row));
    $("empty").hidden = list.length > 0;
    $("live-count").textContent = String(list.filter((c) => !c.ended_at).length);
    $("escalated-count").textContent = String(list.filter((c) => c.escalated && !c.ended_at).length);
  }

  function select(id) {
    selected = id;
    render();
    refreshDetail();
  }

  function scheduleDetail() {
    if (detailTimer) return;
    detailTimer = setTimeout(() => { detailTimer = null; refreshDetail(); }, 300);
  }

  async function getJSON(url) {
    const res = await window.SwitchboardAuth.authFetch(url);
    if (!res.ok) return null;
    return res.json();
  }

  function note(dl, term, value) {
    if (value === undefined || value === null || value === "" || (Array.isArray(value) && !value.length)) return;
    dl.appendChild(el("dt", null, term));
    for (const v of Array.isArray(value) ? value : [value]) dl.appendChild(el("dd", null, v));
  }

  async function refreshDetail() {
    const id = selected;
    if (!id) return;
    const c = contacts.get(id);
    $("detail").hidden = false;
    $("detail-title").textContent = `Contact ${id.slice(0, 8)}`;
    if (c) {
      const bits = [c.channel, c.status, c.route && `route ${c.route}`, c.queue && `queue ${c.queue}`];
      $("detail-meta").textContent = bits.filter(Boolean).join(" · ");
    }
    const view = await getJSON(`/v1/contacts/${encodeURIComponent(id)}`);
    if (selected !== id) return;
    const items = [];
    for (const m of (view && view.messages) || []) {
      const li = el("li", "sv-line sv-line--" + m.role);
      li.appendChild(el("span", "sv-speaker", m.role === "user" ? "Customer" : "Agent"));
      li.appendChild(el("span", "sv-text", m.content));
      items.push(li);
    }
    for (const line of (c && c.lines) || []) {
      if (line.speaker !== "HUMAN_AGENT") continue;
      const li = el("li", "sv-line sv-line--human");
      li.appendChild(el("span", "sv-speaker", "Human agent"));
      li.appendChild(el("span", "sv-text", line.text));
      items.push(li);
    }
    $("transcript").replaceChildren(...items);
    const ended = c ? Boolean(c.ended_at) : Boolean(view && view.contact && view.contact.ended_at);
    $("summary-pending").hidden = ended;
    if (!ended) { $("summary").hidden = true; return; }
    const s = await getJSON(`/v1/contacts/${encodeURIComponent(id)}/summary`);
    if (selected !== id || !s) return;
    $("summary-bullets").replaceChildren(...s.bullets.map((b) => el("li", null, b)));
    const dl = $("summary-notes");
    dl.replaceChildren();
    note(dl, "Reason for contact", s.reason && s.reason.text);
    note(dl, "Customer asked", s.customer_asked.map((n) => n.text));
    note(dl, "Tools", s.tools.map((t) => t.text));
    note(dl, "Outcome", s.outcome.text);
    note(dl, "Handover", s.handover && `${s.handover.reason}${s.handover.queue ? " → " + s.handover.queue : ""}`);
    note(dl, "Sentiment", s.sentiment && `${s.sentiment.trend}${s.sentiment.final_label ? " (" + s.sentiment.final_label + ")" : ""}`);
    note(dl, "Follow-ups", s.follow_ups.map((n) => n.text));
    $("summary").hidden = false;
  }

  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(`${proto}//${location.host}/v1/supervisor/ws`, window.SwitchboardAuth.socketProtocols());
    socket = ws;
    const conn = $("connection");
    ws.addEventListener("open", () => { conn.dataset.state = "open"; conn.textContent = "live"; retryMs = 500; });
    ws.addEventListener("message", (e) => {
      let msg;
      try { msg = JSON.parse(e.data); } catch { return; }
      if (msg.type === "snapshot") {
        contacts.clear();
        for (const c of msg.contacts) contacts.set(c.contact_id, c);
        render();
        if (selected) scheduleDetail();
      } else if (msg.type === "contact") {
        contacts.set(msg.contact.contact_id, msg.contact);
        render();
        if (selected === msg.contact.contact_id) scheduleDetail();
      }
    });
    ws.addEventListener("close", (e) => {
      if (e.code === 4401 || e.code === 4403) { showSignIn("Sign in as a supervisor or admin."); return; }
      if (socket !== ws) return;
      conn.dataset.state = "closed"; conn.textContent = "reconnecting…";
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    });
  }

  let socket = null;

  function showSignIn(message) {
    window.SwitchboardAuth.signOut();
    const old = socket;
    socket = null;
    if (old && old.readyState <= WebSocket.OPEN) old.close(1000);
    $("board-main").hidden = true;
    $("signin").hidden = false;
    $("connection").dataset.state = "closed";
    $("connection").textContent = "signed out";
    $("sv-signin-error").textContent = message || "";
    $("sv-user").focus();
  }

  function showBoard() {
    $("signin").hidden = true;
    $("board-main").hidden = false;
    connect();
  }

  async function onSignIn(event) {
    event.preventDefault();
    try {
      await window.SwitchboardAuth.signIn($("sv-user").value.trim(), $("sv-password").value);
    } catch (error) {
      $("sv-signin-error").textContent = error.message;
      return;
    }
    $("sv-password").value = "";
    showBoard();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("signin").addEventListener("submit", onSignIn);
    document.addEventListener("switchboard:signed-out", () => showSignIn("Your session ended; sign in again."));
    if (window.SwitchboardAuth.session()) showBoard();
    else showSignIn("");
  });
})();
