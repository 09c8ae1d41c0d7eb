// Switchboard customer chat widget.
// Starts a contact (POST /v1/contacts), talks over WS /v1/contacts/{id}/chat and falls
// back to POST /v1/contacts/{id}/messages when the socket is not available.
"use strict";

(() => {
  const REPLY_TIMEOUT_MS = 45000;

  const STRINGS = {
    en: {
      helpCentre: "Help & support",
      title: "Customer support",
      statusOnline: "Virtual assistant · online",
      statusConnecting: "Connecting…",
      statusHandover: "Waiting for a colleague",
      statusEnded: "Chat ended",
      statusOffline: "Offline",
      language: "Language and region",
      endChat: "End chat",
      disclosure: "You're chatting with an automated assistant. You can ask for a person at any time.",
      handoverTitle: "Transferred to a human agent",
      handoverReasonLabel: "Reason:",
      handoverWait: "A colleague will join this conversation shortly.",
      queueInfo: (p, m) => `You are number ${p} in line. Estimated wait: ${m} min.`,
      queueNext: "You're next in line. A specialist will be with you shortly.",
      queueClosed: "Our specialists are not available right now. Leave your number and we'll call you back.",
      agentJoined: (name) => `${name} has joined the chat.`,
      agentLeft: "The agent has closed this chat.",
      callbackBooked: (when) => `Thank you. We'll call you back${when}.`,
      humanAgent: "Agent",
      typing: "Assistant is typing…",
      inputLabel: "Type your message",
      placeholder: "Type your message…",
      send: "Send message",
      endedText: "This chat has ended. Thank you for contacting us.",
      newChat: "Start a new chat",
      privacy: "Never share your PIN, password or full card number in chat.",
      you: "You",
      assistant: "Assistant",
      verified: "Checked",
      verifiedTitle: "Checked against our published information",
      startFailed: "We couldn't start the chat. Please refresh the page to try again.",
      sendFailed: "Your message could not be delivered. Please try again.",
      timeout: "The assistant is taking too long to answer. Please try again.",
      delayed: "We're having a technical problem. One moment, your message is kept and will be answered.",
      route: {
        account_opening: "Account opening", card_info: "Cards", branch: "Branches",
        smalltalk: "General", handover: "Handover", out_of_scope: "Out of scope",
      },
      action: { answer: "Answered", clarify: "Question", handover: "Transferred", decline: "Not covered" },
      reason: {
        explicit_request: "you asked to speak to a person",
        customer_frustration: "we want to make sure you get the right help",
        repeated_query: "the question came up several times",
        capability_limitation: "this needs a colleague's help",
        technical_issues: "a technical issue on our side",
        complex_scenario: "your request needs a specialist",
        sensitive_topic: "this is a sensitive matter",
        validation_failure: "we could not confirm the answer",
      },
    },
    fr: {
      helpCentre: "Aide et assistance",
      title: "Service client",
      statusOnline: "Assistant virtuel · en ligne",
      statusConnecting: "Connexion…",
      statusHandover: "En attente d'un conseiller",
      statusEnded: "Conversation terminée",
      statusOffline: "Hors ligne",
      language: "Langue et région",
      endChat: "Terminer",
      disclosure: "Vous échangez avec un assistant automatisé. Vous pouvez demander un conseiller à tout moment.",
      handoverTitle: "Transféré à un conseiller",
      handoverReasonLabel: "Motif :",
      handoverWait: "Un conseiller va rejoindre la conversation.",
      typing: "L'assistant écrit…",
      inputLabel: "Saisissez votre message",
      placeholder: "Saisissez votre message…",
      send: "Envoyer le message",
      endedText: "Cette conversation est terminée. Merci de nous avoir contactés.",
      newChat: "Nouvelle conversation",
      privacy: "Ne communiquez jamais votre code, mot de passe ou numéro de carte complet.",
      you: "Vous",
      assistant: "Assistant",
      verified: "Vérifié",
      verifiedTitle: "Vérifié par rapport à nos informations publiées",
      startFailed: "Impossible de démarrer la conversation. Actualisez la page pour réessayer.",
      sendFailed: "Votre message n'a pas pu être envoyé. Veuillez réessayer.",
      timeout: "L'assistant met trop de temps à répondre. Veuillez réessayer.",
      delayed: "Nous rencontrons un problème technique. Un instant, votre message est conservé et recevra une réponse.",
      route: {
        account_opening: "Ouverture de compte", card_info: "Cartes", branch: "Agences",
        smalltalk: "Général", handover: "Transfert", out_of_scope: "Hors périmètre",
      },
      action: { answer: "Répondu", clarify: "Question", handover: "Transféré", decline: "Non couvert" },
      reason: {
        explicit_request: "vous avez demandé à parler à un conseiller",
        customer_frustration: "nous voulons vous apporter la bonne aide",
        repeated_query: "la question est revenue plusieurs fois",
        capability_limitation: "cette demande nécessite un conseiller",
        technical_issues: "un incident technique de notre côté",
        complex_scenario: "votre demande nécessite un spécialiste",
        sensitive_topic: "il s'agit d'un sujet sensible",
        validation_failure: "nous n'avons pas pu confirmer la réponse",
      },
    },
  };

  const el = {
    chat: document.getElementById("chat"),
    log: document.getElementById("messages"),
    form: document.getElementById("composer"),
    input: document.getElementById("input"),
    send: document.getElementById("send"),
    end: document.getElementById("end-chat"),
    locale: document.getElementById("locale"),
    typing: document.getElementById("typing"),
    banner: document.getElementById("handover-banner"),
    bannerReason: document.getElementById("handover-reason"),
    ended: document.getElementById("ended"),
    restart: document.getElementById("restart"),
    status: document.getElementById("status-text"),
    queue: document.getElementById("queue-info"),
    callback: document.getElementById("callback"),
    callbackPhone: document.getElementById("callback-phone"),
  };

  const state = {
    contactId: null,
    contactToken: null, // opens this contact, and only it (issue 13); kept in memory only
    locale: "en_GB",
    socket: null,
    socketReady: false,
    pending: null, // {resolve, reject, timer} of the message awaiting a reply
    busy: false,
    ended: false,
    handover: false,
  };

  const lang = () => (state.locale.startsWith("fr") ? "fr" : "en");
  const t = (key) => STRINGS[lang()][key] ?? STRINGS.en[key] ?? key;
  const fr = {
    queueInfo: (p, m) => `Vous êtes le numéro ${p} dans la file. Attente estimée : ${m} min.`,
    queueNext: "Vous êtes le prochain. Un conseiller va vous répondre.",
    queueClosed: "Nos conseillers ne sont pas disponibles pour le moment. Laissez votre numéro, nous vous rappellerons.",
    agentJoined: (name) => `${name} a rejoint la conversation.`,
    agentLeft: "Le conseiller a clos cette conversation.",
    callbackBooked: (when) => `Merci. Nous vous rappellerons${when}.`,
    humanAgent: "Conseiller",
  };
  const th = (key) => (lang() === "fr" ? fr[key] : null) ?? STRINGS.en[key];

  function applyStrings() {
    document.documentElement.lang = state.locale.replace("_", "-");
    for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
    for (const node of document.querySelectorAll("[data-i18n-placeholder]")) {
      node.setAttribute("placeholder", t(node.dataset.i18nPlaceholder));
    }
    for (const node of document.querySelectorAll("[data-i18n-label]")) {
      node.setAttribute("aria-label", t(node.dataset.i18nLabel));
    }
    setStatus(el.chat.dataset.state || "starting");
  }

  function setStatus(name) {
    el.chat.dataset.state = name;
    const text = {
      starting: t("statusConnecting"), online: t("statusOnline"), handover: t("statusHandover"),
      ended: t("statusEnded"), offline: t("statusOffline"),
    }[name];
    el.status.textContent = text || t("statusOnline");
  }

  function timeLabel(date) {
    return date.toLocaleTimeString(state.locale.replace("_", "-"), { hour: "2-digit", minute: "2-digit" });
  }

  function scrollToEnd() {
    el.log.scrollTop = el.log.scrollHeight;
  }

  function addMessage(who, text, reply) {
    const item = document.createElement("li");
    item.className = `msg msg--${who}`;
    if (reply && reply.action === "handover") item.classList.add("msg--handover");
    const speaker = document.createElement("span");
    speaker.className = "visually-hidden";
    speaker.textContent = `${who === "customer" ? t("you") : t("assistant")}: `;
    const bubble = document.createElement("div");
    bubble.className = "msg__bubble";
    bubble.append(speaker, document.createTextNode(text));
    item.append(bubble);

    const meta = document.createElement("div");
    meta.className = "msg__meta";
    const time = document.createElement("time");
    const now = new Date();
    time.dateTime = now.toISOString();
    time.textContent = timeLabel(now);
    meta.append(time);
    if (reply) {
      item.dataset.route = reply.route;
      item.dataset.action = reply.action;
      const tools = (reply.tools || []).map((tool) => tool.name);
      item.dataset.tools = tools.join(" ");
      const route = document.createElement("span");
      route.className = "badge badge--route";
      route.textContent = t("route")[reply.route] || reply.route;
      if (tools.length) route.title = tools.join(", ");
      const action = document.createElement("span");
      action.className = `badge badge--${reply.action}`;
      action.textContent = t("action")[reply.action] || reply.action;
      meta.append(route, action);
      if (reply.validation && reply.validation.passed && tools.length) {
        const verified = document.createElement("span");
        verified.className = "badge badge--verified";
        verified.textContent = t("verified");
        verified.title = t("verifiedTitle");
        meta.append(verified);
      }
    }
    item.append(meta);
    el.log.append(item);
    scrollToEnd();
    return item;
  }

  function addNotice(text, isError) {
    const item = document.createElement("li");
    item.className = isError ? "notice notice--error" : "notice";
    if (isError) item.setAttribute("role", "status");
    item.textContent = text;
    el.log.append(item);
    scrollToEnd();
  }

  function setBusy(busy) {
    state.busy = busy;
    el.typing.hidden = !busy;
    el.send.disabled = busy || state.ended || !state.contactId;
  }

  function showHandover(reply) {
    const reason = reply.handover ? reply.handover.reason : "explicit_request";
    el.bannerReason.textContent = t("reason")[reason] || reason.replaceAll("_", " ");
    el.banner.dataset.reason = reason;
    el.banner.hidden = false;
    state.handover = true;
    setStatus("handover");
  }

  function renderReply(reply) {
    addMessage("agent", reply.text, reply);
    if (reply.action === "handover") showHandover(reply);
  }

  async function api(path, body) {
    const response = await fetch(path, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        ...(state.contactToken ? { Authorization: `Bearer ${state.contactToken}` } : {}),
      },
      body: JSON.stringify(body ?? {}),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error((data.error && data.error.message) || `HTTP ${response.status}`);
      error.code = data.error && data.error.code;
      throw error;
    }
    return data;
  }

  function settlePending(fn, value) {
    const pending = state.pending;
    if (!pending) return;
    state.pending = null;
    clearTimeout(pending.timer);
    fn === "resolve" ? pending.resolve(value) : pending.reject(value);
  }

  // Reconnect and resume (issue 14, api/ws.py): frames carry "seq"; a dropped socket
  // reconnects with back-off to /chat?after=<last seq>, gets what it missed once, and
  // re-sends the messages whose answer it has not seen (same id: never run twice).
  // A "reconnect" frame (the replica is draining on SIGTERM, api/drain.py) comes after the
  // replies of the turns in flight: reconnect at once (a little jitter), not with back-off.
  const resume = { lastSeq: null, unacked: new Map(), attempt: 0, timer: null, counter: 0, drained: false, busyWait: new Map() };

  function resumeUrl(contactId) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const after = resume.lastSeq === null ? "" : `?after=${resume.lastSeq}`;
    return `${scheme}://${location.host}/v1/contacts/${encodeURIComponent(contactId)}/chat${after}`;
  }

  // False for a frame already seen (a replay overlapping what arrived before the drop).
  function acceptSeq(frame) {
    if (frame.type === "ready" && resume.lastSeq === null && typeof frame.seq === "number") resume.lastSeq = frame.seq;
    if (frame.type === "resync") { resume.lastSeq = frame.seq; return false; }
    if (typeof frame.seq !== "number" || frame.type === "ready") return true;
    if (resume.lastSeq !== null && frame.seq <= resume.lastSeq) return false;
    resume.lastSeq = frame.seq;
    if (frame.in_reply_to) resume.unacked.delete(frame.in_reply_to);
    return true;
  }

  function sendTracked(text) {
    resume.counter += 1;
    const id = `${Date.now().toString(36)}-${resume.counter}-${Math.random().toString(36).slice(2, 8)}`;
    resume.unacked.set(id, text);
    state.socket.send(JSON.stringify({ type: "message", text, id }));
  }

  function resendUnacked(socket) {
    for (const [id, text] of resume.unacked) socket.send(JSON.stringify({ type: "message", text, id }));
  }

  // A "busy" frame (the server is overloaded, api/ws.py): re-send that message, same id,
  // after retry_after_ms, doubling the wait on each further "busy" for it (at most 30 s).
  function resendLater(frame) {
    const text = resume.unacked.get(frame.id);
    if (text === undefined) return;
    const wait = resume.busyWait.get(frame.id) ?? (frame.retry_after_ms || 2000);
    resume.busyWait.set(frame.id, Math.min(30000, wait * 2));
    setTimeout(() => {
      if (!resume.unacked.has(frame.id) || !state.socket || !state.socketReady) return;
      state.socket.send(JSON.stringify({ type: "message", text, id: frame.id }));
    }, wait * (0.75 + Math.random() / 2));
  }

  function scheduleReconnect(contactId) {
    if (state.ended || state.contactId !== contactId || resume.timer) return;
    const delay = resume.drained ? Math.random() * 250
      : Math.min(10000, 500 * 2 ** resume.attempt) * (0.75 + Math.random() / 2);
    if (resume.drained) resume.drained = false; else resume.attempt += 1;
    el.chat.dataset.reconnecting = "true";
    resume.timer = setTimeout(() => { resume.timer = null; openSocket(); }, delay);
  }

  function openSocket() {
    if (!("WebSocket" in window) || !state.contactId) return;
    const contactId = state.contactId;
    const socket = new WebSocket(resumeUrl(contactId), state.contactToken ? ["bearer", state.contactToken] : []);
    state.socket = socket;
    socket.addEventListener("message", (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch { return; }
      if (!acceptSeq(frame)) return;
      if (frame.type === "ready") {
        state.socketReady = true;
        el.chat.dataset.transport = "websocket";
        resume.attempt = 0;
        delete el.chat.dataset.reconnecting;
        resendUnacked(socket);
      }
      else if (frame.type === "reply") {
        if (state.pending) settlePending("resolve", frame);
        else renderReply(frame); // a bot reply to a message sent while handed over
      }
      else if (HUMAN_FRAMES[frame.type]) HUMAN_FRAMES[frame.type](frame);
      else if (frame.type === "reconnect") resume.drained = true;
      else if (frame.type === "delayed") addNotice(t("delayed")); // late but coming (api/ws.py)
      else if (frame.type === "busy") resendLater(frame);
      else if (frame.type === "error") {
        const error = new Error(frame.message);
        error.code = frame.code;
        if (state.pending) settlePending("reject", error);
        else addNotice(frame.message, true);
      }
    });
    socket.addEventListener("close", () => {
      if (state.socket === socket) {
        state.socket = null;
        state.socketReady = false;
        el.chat.dataset.transport = "http";
        if (!state.ended) { scheduleReconnect(contactId); return; } // the pending reply comes on resume
      }
      settlePending("reject", new Error(t("sendFailed")));
    });
  }

  // Frames of the human side (queue position / EWT, the agent's messages): see api/ws.py.
  const HUMAN_FRAMES = {
    queue(frame) {
      state.handover = true;
      el.queue.hidden = false;
      el.queue.dataset.position = frame.position;
      el.queue.dataset.ewtMinutes = frame.ewt_minutes;
      el.queue.textContent = frame.position <= 1 && frame.ewt_minutes <= 1
        ? th("queueNext") : th("queueInfo")(frame.position, Math.max(1, frame.ewt_minutes));
      // A long wait: offer a callback (seed 2 queue flow), without forcing it.
      if (frame.offer_callback) el.callback.hidden = false;
    },
    queue_closed() {
      state.handover = true;
      el.queue.hidden = false;
      el.queue.textContent = th("queueClosed");
      el.callback.hidden = false;
    },
    agent_joined(frame) {
      state.human = frame.agent;
      el.queue.hidden = true;
      el.callback.hidden = true;
      el.chat.dataset.human = frame.agent;
      addNotice(th("agentJoined")(frame.agent));
      el.status.textContent = `${frame.agent} · ${th("humanAgent")}`;
    },
    agent_message(frame) {
      const item = addMessage("agent", frame.text);
      item.classList.add("msg--human");
      item.dataset.source = "HUMAN_AGENT";
    },
    agent_left() {
      addNotice(th("agentLeft"));
      state.ended = true;
      el.form.hidden = true;
      el.input.disabled = true;
      el.ended.hidden = false;
      setStatus("ended");
    },
    delivered() {},
  };

  async function bookCallback(phone) {
    try {
      const booked = await api(`/v1/contacts/${encodeURIComponent(state.contactId)}/callback`, { phone });
      const when = booked.due_at ? ` (${new Date(booked.due_at).toLocaleString(state.locale.replace("_", "-"))})` : "";
      addNotice(th("callbackBooked")(when));
      el.callback.hidden = true;
    } catch (error) {
      addNotice(error.message, true);
    }
  }

  function sendOverSocket(text) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => settlePending("reject", new Error(t("timeout"))), REPLY_TIMEOUT_MS);
      state.pending = { resolve, reject, timer };
      sendTracked(text);
    });
  }

  async function sendMessage(text) {
    addMessage("customer", text);
    const live = state.socket && state.socketReady && state.socket.readyState === WebSocket.OPEN;
    if (state.handover && live) {
      // Handed over: the message goes to the human agent (or waits for one); no bot reply.
      sendTracked(text);
      return;
    }
    setBusy(true);
    try {
      const useSocket = state.socket && state.socketReady && state.socket.readyState === WebSocket.OPEN;
      const reply = useSocket
        ? await sendOverSocket(text)
        : await api(`/v1/contacts/${encodeURIComponent(state.contactId)}/messages`, { text });
      renderReply(reply);
    } catch (error) {
      addNotice(error.message || t("sendFailed"), true);
    } finally {
      setBusy(false);
      if (!state.ended) el.input.focus();
    }
  }

  function resetView() {
    el.log.replaceChildren();
    el.banner.hidden = true;
    el.ended.hidden = true;
    el.form.hidden = false;
    el.end.disabled = false;
    state.ended = false;
    state.handover = false;
    state.human = null;
    el.queue.hidden = true;
    el.callback.hidden = true;
  }

  async function startChat() {
    if (state.socket) state.socket.close(1000);
    clearTimeout(resume.timer);
    Object.assign(resume, { lastSeq: null, unacked: new Map(), attempt: 0, timer: null });
    state.socket = null;
    state.socketReady = false;
    state.contactId = null;
    state.contactToken = null;
    resetView();
    setStatus("starting");
    el.input.disabled = true;
    setBusy(false);
    try {
      const started = await api("/v1/contacts", { channel: "chat", locale: state.locale });
      state.contactToken = started.contact_token;
      state.contactId = started.contact_id;
      el.chat.dataset.contactId = started.contact_id;
      el.chat.dataset.transport = "http";
      addMessage("agent", started.greeting);
      setStatus("online");
      el.input.disabled = false;
      setBusy(false);
      openSocket();
      el.input.focus();
    } catch (error) {
      setStatus("offline");
      addNotice(t("startFailed"), true);
    }
  }

  async function endChat(status) {
    if (!state.contactId || state.ended) return;
    const contactId = state.contactId;
    state.ended = true;
    el.end.disabled = true;
    setBusy(false);
    if (state.socket) {
      const socket = state.socket;
      state.socket = null;
      socket.close(1000);
    }
    try {
      await api(`/v1/contacts/${encodeURIComponent(contactId)}/end`, { status });
    } catch (error) {
      addNotice(error.message, true);
    }
    el.form.hidden = true;
    el.input.disabled = true;
    el.ended.hidden = false;
    setStatus("ended");
    el.restart.focus();
  }

  function autoGrow() {
    el.input.style.height = "auto";
    el.input.style.height = `${Math.min(el.input.scrollHeight, 140)}px`;
  }

  el.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = el.input.value.trim();
    if (!text || state.busy || state.ended || !state.contactId) return;
    el.input.value = "";
    autoGrow();
    sendMessage(text);
  });

  el.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      el.form.requestSubmit();
    }
  });
  el.input.addEventListener("input", autoGrow);

  el.callback.addEventListener("submit", (event) => {
    event.preventDefault();
    const phone = el.callbackPhone.value.trim();
    if (phone && state.contactId) bookCallback(phone);
  });
  el.end.addEventListener("click", () => endChat(state.handover ? "transferred" : "resolved"));
  el.restart.addEventListener("click", () => startChat());
  el.locale.addEventListener("change", async () => {
    const hadConversation = el.log.querySelectorAll(".msg--customer").length > 0;
    if (state.contactId && !state.ended && hadConversation) {
      await api(`/v1/contacts/${encodeURIComponent(state.contactId)}/end`, { status: "abandoned" }).catch(() => {});
    }
    state.locale = el.locale.value;
    applyStrings();
    startChat();
  });

  // The page starts in the server's locale (SWITCHBOARD_LOCALE, written into the
  // <meta name="switchboard-locale"> tag by the server). The browser's language may
  // only preselect when the server allows it (SWITCHBOARD_WEB_BROWSER_LOCALE).
  const supported = Array.from(el.locale.options).map((option) => option.value);
  const meta = document.querySelector('meta[name="switchboard-locale"]');
  const serverLocale = meta && supported.includes(meta.content) ? meta.content : "en_GB";
  state.locale = serverLocale;
  if (meta && meta.dataset.browserLocale === "true") {
    const browserLocale = (navigator.language || "").replace("-", "_");
    const sameLanguage = supported.find((code) => code.slice(0, 2) === browserLocale.slice(0, 2));
    if (supported.includes(browserLocale)) state.locale = browserLocale;
    else if (sameLanguage && serverLocale.slice(0, 2) !== browserLocale.slice(0, 2)) state.locale = sameLanguage;
  }
  el.locale.value = state.locale;
  applyStrings();
  startChat();
})();
