/* Switchboard browser voice call: mic → AudioWorklet (16 kHz PCM16) → WS /v1/voice → captions + playback.
 *
 * Protocol: seed 4 JSON frames (see switchboard/voice/transports/browser.py).
 * The client sends endOfUtterance after 1.5 s of silence following speech
 * (seed 4 client silence detection); the server also endpoints on its own.
 * Auth: the JWT from `#token=...` in the page URL (printed by `make run`) or the
 * token field, else the token of a contact the page opens (POST /v1/contacts), sent
 * as the WebSocket subprotocols ["bearer", token].
 * Moving replicas (issue 14): `ready` carries a contact token; when the server sends
 * `reconnect` (its replica is draining) or the socket drops (1012, 1006: the replica
 * died), the page reconnects with that token and `?resume=1`, with back-off, and the
 * call goes on where it was (AI agent or held line); the microphone stays open.
 */
(() => {
  "use strict";

  const SILENCE_HINT_MS = 1500; // seed 4: client-side silence threshold
  const SPEECH_RMS = 0.02; // frame level counted as speech for the silence hint
  const FRAME_MS = 20; // one worklet frame
  const FRAMES_PER_MESSAGE = 5; // 100 ms of audio per socket message
  const TOKEN_KEY = "switchboard.voiceToken";
  const RESUME_CODES = new Set([1001, 1006, 1011, 1012, 1013]); // going away, dropped, restart
  const MAX_RESUMES = 6; // attempts per drop; back-off 0.25 s, 0.5 s, 1 s, 2 s, 4 s, 4 s

  const $ = (id) => document.getElementById(id);
  const els = {
    call: $("call"), status: $("status-text"), start: $("start"), hangup: $("hangup"),
    captions: $("captions"), interim: $("interim"), error: $("error"), meter: $("meter-bar"),
    locale: $("locale"), tokenBox: $("token-box"), token: $("token"),
    banner: $("handover-banner"), reason: $("handover-reason"), queue: $("handover-queue"),
  };

  let ws = null;
  let ctx = null;
  let micStream = null;
  let worklet = null;
  let ready = false;
  let pending = [];
  let speaking = false;
  let resumeToken = null; // the contact token from `ready`: continue this contact anywhere
  let moving = false; // the server said `reconnect`
  let resumes = 0;
  let userEnded = false;
  let silentMs = 0;
  const playback = { next: 0, sources: new Set(), timers: new Set(), chunks: 0 };

  function setState(state, text) {
    els.call.dataset.state = state;
    if (text) els.status.textContent = text;
  }

  function showError(message) {
    els.error.textContent = message;
    els.error.hidden = false;
  }

  function readToken() {
    const fromHash = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromHash) {
      sessionStorage.setItem(TOKEN_KEY, fromHash);
      history.replaceState(null, "", location.pathname + location.search);
    }
    const token = els.token.value.trim() || sessionStorage.getItem(TOKEN_KEY) || "";
    if (els.token.value.trim()) sessionStorage.setItem(TOKEN_KEY, token);
    return token;
  }

  function caption(kind, who, text, replyId) {
    const li = document.createElement("li");
    li.className = `caption caption--${kind}`;
    if (replyId !== undefined) li.dataset.replyId = String(replyId);
    const label = document.createElement("span");
    label.className = "caption__who";
    label.textContent = who;
    const body = document.createElement("span");
    body.className = "caption__text";
    body.textContent = text;
    li.append(label, body);
    els.captions.append(li);
    els.captions.scrollTop = els.captions.scrollHeight;
    return li;
  }

  function toBase64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) {
      binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    }
    return btoa(binary);
  }

  function fromBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function send(frame) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }

  function onCapture({ pcm, rms }) {
    els.meter.style.width = `${Math.min(100, Math.round(rms * 400))}%`;
    if (!ready) return;
    pending.push(new Uint8Array(pcm));
    let endOfUtterance = false;
    if (rms >= SPEECH_RMS) {
      speaking = true;
      silentMs = 0;
    } else if (speaking) {
      silentMs += FRAME_MS;
      if (silentMs >= SILENCE_HINT_MS) {
        endOfUtterance = true; // seed 4: 1.5 s of silence after speech closes the turn
        speaking = false;
        silentMs = 0;
      }
    }
    if (pending.length >= FRAMES_PER_MESSAGE || endOfUtterance) {
      const size = pending.reduce((n, part) => n + part.length, 0);
      const joined = new Uint8Array(size);
      let offset = 0;
      for (const part of pending) { joined.set(part, offset); offset += part.length; }
      pending = [];
      send({ type: "audio", data: toBase64(joined), endOfUtterance, sampleRate: 16000 });
    }
  }

  function play(frame) {
    const bytes = fromBase64(frame.data);
    const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    if (!samples.length) return;
    const buffer = ctx.createBuffer(1, samples.length, frame.sampleRate || 16000);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) channel[i] = samples[i] / 32768;
    const node = ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(ctx.destination);
    const at = Math.max(ctx.currentTime + 0.03, playback.next);
    node.start(at);
    playback.next = at + buffer.duration;
    playback.sources.add(node);
    node.onended = () => playback.sources.delete(node);
    playback.chunks += 1;
    els.call.dataset.audioChunks = String(playback.chunks);
    els.call.dataset.playing = "true";
  }

  function markWhenPlayed(name) {
    // Tell the server when the audio queued before this mark has actually played.
    const delayMs = Math.max(0, (playback.next - ctx.currentTime) * 1000);
    const timer = setTimeout(() => { playback.timers.delete(timer); send({ type: "mark", name }); }, delayMs);
    playback.timers.add(timer);
  }

  function stopPlayback() {
    for (const node of playback.sources) { try { node.stop(); } catch (_) { /* already ended */ } }
    playback.sources.clear();
    for (const timer of playback.timers) clearTimeout(timer);
    playback.timers.clear();
    playback.next = 0;
    els.call.dataset.playing = "false";
  }

  function onFrame(event) {
    let frame;
    try { frame = JSON.parse(event.data); } catch (_) { return; }
    switch (frame.type) {
      case "ready":
        ready = true;
        moving = false;
        resumes = 0;
        if (frame.contactToken) resumeToken = frame.contactToken;
        els.call.dataset.contactId = frame.contactId;
        if (frame.replica) els.call.dataset.replica = frame.replica; // which process serves it
        if (frame.resumed) {
          els.call.dataset.resumed = String(Number(els.call.dataset.resumed || 0) + 1);
          caption("system", "", "Reconnected.");
        }
        setState("live", "Connected · speak whenever you like");
        break;
      case "reconnect": // this replica is stopping: the call moves to another one
        moving = true;
        ready = false;
        setState("connecting", "Reconnecting…");
        break;
      case "audio": play(frame); break;
      case "mark": markWhenPlayed(frame.name); break;
      case "stop": {
        stopPlayback();
        const cut = els.captions.querySelector(`.caption--agent[data-reply-id="${frame.replyId}"]`);
        if (cut) cut.classList.add("caption--interrupted");
        break;
      }
      case "transcript":
        if (frame.final) {
          els.interim.textContent = "";
          caption("customer", "You", frame.text);
        } else {
          els.interim.textContent = frame.text;
        }
        break;
      case "reply":
        caption("agent", "Assistant", frame.text, frame.replyId);
        if (frame.handover) {
          els.reason.textContent = frame.handover.reason.replace(/_/g, " ");
          els.queue.textContent = frame.handover.queue;
          els.banner.hidden = false;
        }
        break;
      case "error":
        showError(frame.message);
        if (frame.code === "unauthorized") { els.tokenBox.hidden = false; }
        break;
      // After a handover the call goes on (switchboard/voice/transports/held.py):
      // queue position and hold audio, then a human agent.
      case "queue":
        els.call.dataset.queuePosition = String(frame.position);
        setState("held", `On hold · number ${frame.position} in the queue`);
        break;
      case "announcement": caption("system", "", frame.text); break;
      case "queue_closed":
      case "callback_offer":
        els.call.dataset.callback = "offered";
        break;
      case "callback_booked": els.call.dataset.callback = "booked"; break;
      case "agent_joined":
        els.call.dataset.agent = frame.agent;
        setState("live", `Connected to ${frame.agent}`);
        caption("system", "", `${frame.agent} has joined the call.`);
        break;
      case "agent_transcript": caption("agent", frame.agent || "Agent", frame.text); break;
      case "hold": els.call.dataset.hold = String(!!frame.on); break;
      case "ended":
        if (frame.reason === "moved") break; // the call goes on elsewhere (after `reconnect`)
        caption("system", "", frame.reason === "handover" ? "Transferred to a colleague." : "Call ended.");
        teardown("Call ended");
        break;
      default: break;
    }
  }

  // Without a voice token (the one `make run` prints), the page opens a contact of its
  // own (POST /v1/contacts) and calls with that contact's token: the call continues it.
  async function contactToken() {
    const response = await fetch("/v1/contacts", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ channel: "voice", locale: els.locale.value }),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((data.error && data.error.message) || `HTTP ${response.status}`);
    return data.contact_token;
  }

  async function start() {
    els.error.hidden = true;
    let token = readToken();
    if (!token) {
      try {
        token = await contactToken();
      } catch (err) {
        showError(`The call could not be opened: ${err.message || err}`);
        return;
      }
    }
    els.start.disabled = true;
    setState("connecting", "Connecting…");
    try {
      ctx = new AudioContext();
      await ctx.audioWorklet.addModule("/static/voice-capture-worklet.js");
      micStream = await navigator.mediaDevices.getUserMedia({
        audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
      });
    } catch (err) {
      showError(`Microphone unavailable: ${err.message || err}`);
      teardown("Ready to call");
      return;
    }
    const source = ctx.createMediaStreamSource(micStream);
    worklet = new AudioWorkletNode(ctx, "pcm16-capture");
    worklet.port.onmessage = (e) => onCapture(e.data);
    const mute = ctx.createGain();
    mute.gain.value = 0; // keep the graph pulled without hearing yourself
    source.connect(worklet).connect(mute).connect(ctx.destination);

    userEnded = false;
    resumeToken = null;
    openSocket(token, false);
    els.hangup.disabled = false;
  }

  function openSocket(token, resume) {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const query = `locale=${encodeURIComponent(els.locale.value)}${resume ? "&resume=1" : ""}`;
    const socket = new WebSocket(`${scheme}://${location.host}/v1/voice?${query}`, ["bearer", token]);
    ws = socket;
    socket.onmessage = onFrame;
    socket.onclose = (e) => {
      if (ws !== socket) return; // an older socket, already replaced
      if (e.code === 4401) { els.tokenBox.hidden = false; showError("The access token was refused."); }
      const resumable = !userEnded && resumeToken && (moving || RESUME_CODES.has(e.code));
      if (resumable && resumes < MAX_RESUMES) {
        resumeLater();
        return;
      }
      teardown(els.call.dataset.state === "ended" ? null : "Call ended");
    };
    socket.onerror = () => { if (!moving) showError("The connection to the voice service failed."); };
  }

  // The replica went away: reconnect to any other with this contact's token.
  function resumeLater() {
    ready = false;
    pending = [];
    resumes += 1;
    setState("connecting", "Reconnecting…");
    const delay = Math.min(4000, 125 * 2 ** resumes);
    setTimeout(() => { if (!userEnded && micStream) openSocket(resumeToken, true); }, delay);
  }

  function teardown(text) {
    ready = false;
    pending = [];
    if (worklet) { worklet.port.onmessage = null; worklet.disconnect(); worklet = null; }
    if (micStream) { micStream.getTracks().forEach((t) => t.stop()); micStream = null; }
    if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000);
    ws = null;
    els.hangup.disabled = true;
    els.start.disabled = false;
    els.meter.style.width = "0";
    setState("ended", text || undefined);
  }

  function hangup() {
    userEnded = true;
    send({ type: "hangup" });
    stopPlayback();
    teardown("Call ended");
  }

  els.start.addEventListener("click", start);
  els.hangup.addEventListener("click", hangup);
  if (new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem(TOKEN_KEY)) {
    readToken();
  }
})();
