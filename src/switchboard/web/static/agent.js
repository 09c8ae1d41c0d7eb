// Switchboard agent desktop: sign in (POST /v1/auth/login, then POST /v1/agents opens the
// user's desk), go available, take handed-over contacts over WS /v1/agents/{id}/desk
// (token in the subprotocols), chat with the customer, talk to a voice caller
// (agent-voice.js), close with a disposition.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const state = { agent: null, socket: null, contactId: null };

  function notice(text) { $("desk-notice").textContent = text; }

  function showStatus(agent) {
    state.agent = agent;
    $("agent-status").textContent = `${agent.name} · ${agent.status}`;
    document.body.dataset.agentStatus = agent.status;
  }

  function line(role, source, text) {
    const item = document.createElement("li");
    const who = source === "CUSTOMER" ? "customer" : "agent";
    item.className = `msg msg--${who} msg--${source.toLowerCase()}`;
    item.dataset.source = source;
    const bubble = document.createElement("div");
    bubble.className = "msg__bubble";
    bubble.textContent = text;
    item.append(bubble);
    $("transcript").append(item);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }

  function showSummary(summary, attributes) {
    const box = $("summary");
    box.replaceChildren();
    const list = document.createElement("dl");
    const add = (label, value) => {
      if (value === undefined || value === null || value === "") return;
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    };
    if (summary) {
      add("Customer query", summary.customer_query);
      add("Handover reason", summary.handover_reason);
      add("Turns", summary.conversation_turns);
      add("Topics", (summary.topics_discussed || []).join(", "));
      const info = Object.entries(summary.information_collected || {}).map(([k, v]) => `${k}: ${v}`);
      add("Collected", info.join("; "));
    }
    add("Sentiment", attributes && attributes.RealTimeSentiment);
    box.append(list);
  }

  function showContact(frame) {
    state.contactId = frame.contact_id;
    $("contact").hidden = false;
    $("contact").dataset.contactId = frame.contact_id;
    $("contact-id").textContent = frame.contact_id.slice(0, 8);
    $("contact-meta").textContent =
      `${frame.queue} · priority ${frame.priority} · waited ${Math.round(frame.waited_seconds)} s` +
      (frame.callback ? ` · callback: dial ${frame.callback_phone || "(number expired)"}` : "");
    showSummary(frame.summary, frame.attributes);
    $("transcript").replaceChildren();
    for (const m of frame.transcript) line(m.role, m.source, m.text);
    $("reply-input").focus();
  }

  function clearContact() {
    state.contactId = null;
    $("contact").hidden = true;
    $("transcript").replaceChildren();
  }

  function send(frame) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(frame));
    else notice("Not connected; reconnecting…");
  }

  // Reconnect and resume (issue 14, api/agents.py): frames carry "seq"; a dropped desk
  // reconnects with back-off to /desk?after=<last seq>; replies not yet acknowledged
  // ("sent" {id}) are re-sent with the same id (relayed once) after the reconnect.
  const desk = { lastSeq: null, unacked: new Map(), attempt: 0, timer: null, counter: 0 };

  function deskAccept(frame) {
    if (frame.type === "agent" && desk.lastSeq === null && typeof frame.seq === "number") desk.lastSeq = frame.seq;
    if (frame.type === "resync") { desk.lastSeq = frame.seq; return false; }
    if (typeof frame.seq !== "number" || frame.type === "agent") return true;
    if (desk.lastSeq !== null && frame.seq <= desk.lastSeq) return false;
    desk.lastSeq = frame.seq;
    if (frame.type === "sent") desk.unacked.delete(frame.id);
    return true;
  }

  function sendReply(text) {
    desk.counter += 1;
    const id = `${Date.now().toString(36)}-${desk.counter}-${Math.random().toString(36).slice(2, 8)}`;
    desk.unacked.set(id, text);
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify({ type: "message", text, id }));
    }
  }

  function reconnectDesk() {
    if (desk.timer) return;
    const delay = Math.min(10000, 500 * 2 ** desk.attempt) * (0.75 + Math.random() / 2);
    desk.attempt += 1;
    desk.timer = setTimeout(() => { desk.timer = null; openDesk(); }, delay);
  }

  function openDesk() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const after = desk.lastSeq === null ? "" : `?after=${desk.lastSeq}`;
    const url = `${scheme}://${location.host}/v1/agents/${encodeURIComponent(state.agent.agent_id)}/desk${after}`;
    const socket = new WebSocket(url, window.SwitchboardAuth.socketProtocols());
    state.socket = socket;
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (!deskAccept(frame)) return;
      if (frame.type === "agent") {
        showStatus(frame);
        desk.attempt = 0;
        if (!socket.resumed) for (const [id, text] of desk.unacked) socket.send(JSON.stringify({ type: "message", text, id }));
        socket.resumed = true;
      }
      else if (frame.type === "assigned") {
        showContact(frame);
        notice("New contact assigned.");
        window.SwitchboardAgentVoice.join(frame.contact_id); // a voice caller: talk to them
      }
      else if (frame.type === "customer_message") {
        if (frame.contact_id === state.contactId) line("user", "CUSTOMER", frame.text);
      }
      else if (frame.type === "closed") {
        window.SwitchboardAgentVoice.leave();
        clearContact();
        notice(`Contact closed: ${frame.disposition}.`);
      }
      else if (frame.type === "error") notice(frame.message);
      else if (frame.type === "delayed") notice("Systems are briefly unavailable: your message is kept and will be sent.");
    });
    socket.addEventListener("open", () => { document.body.dataset.desk = "connected"; });
    socket.addEventListener("close", (event) => {
      document.body.dataset.desk = "closed";
      if (event.code === 4401 || event.code === 4403) showSignIn("Please sign in again.");
      else if (state.socket === socket) reconnectDesk();
    });
  }

  function showSignIn(message) {
    window.SwitchboardAuth.signOut();
    if (state.socket && state.socket.readyState <= WebSocket.OPEN) state.socket.close(1000);
    state.socket = null;
    clearContact();
    $("controls").hidden = true;
    $("signin").hidden = false;
    $("agent-status").textContent = "Signed out";
    document.body.dataset.signedIn = "false";
    if (message) notice(message);
    $("agent-name").focus();
  }

  async function openMyDesk() {
    const response = await window.SwitchboardAuth.authFetch("/v1/agents", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: "{}",
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) { notice((data.error && data.error.message) || `HTTP ${response.status}`); return; }
    showStatus(data);
    $("signin").hidden = true;
    $("controls").hidden = false;
    document.body.dataset.signedIn = "true";
    openDesk();
    $("go-available").focus();
  }

  $("signin").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("agent-name").value.trim();
    const password = $("agent-password").value;
    if (!name || !password) return;
    try {
      await window.SwitchboardAuth.signIn(name, password);
    } catch (error) {
      notice(error.message);
      return;
    }
    $("agent-password").value = "";
    notice("");
    await openMyDesk();
  });

  $("sign-out").addEventListener("click", () => showSignIn("Signed out."));
  document.addEventListener("switchboard:signed-out", () => showSignIn("Your session ended; sign in again."));
  if (window.SwitchboardAuth.session()) openMyDesk();

  $("go-available").addEventListener("click", () => send({ type: "status", status: "available" }));
  $("go-offline").addEventListener("click", () => send({ type: "status", status: "offline" }));

  $("reply").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("reply-input").value.trim();
    if (!text || !state.contactId) return;
    sendReply(text);
    line("assistant", "HUMAN_AGENT", text);
    $("reply-input").value = "";
  });
  $("reply-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("reply").requestSubmit();
    }
  });

  $("close").addEventListener("submit", (event) => {
    event.preventDefault();
    if (!state.contactId) return;
    if (window.SwitchboardAgentVoice.active()) window.SwitchboardAgentVoice.hangup(); // hang up, then dispose
    send({ type: "close", disposition: $("disposition").value });
  });
})();
