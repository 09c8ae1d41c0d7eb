// Switchboard agent desktop, voice: the agent's microphone and speaker on a handed-over
// call, over WS /v1/contacts/{id}/agent-audio (staff token in the subprotocols; only the
// agent the contact is assigned to). Frames: switchboard/api/agent_audio.py.
// Caller audio (16 kHz PCM16) is played as it comes; the microphone is sent as PCM16 at
// the AudioContext's rate and resampled by the server (soxr). Mute, hold and hang-up
// are sent as frames; both legs' live transcripts are shown.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const FRAMES_PER_MESSAGE = 5; // 100 ms of microphone audio per socket message
  const v = { ws: null, ctx: null, mic: null, node: null, contactId: null, pending: [],
    muted: false, held: false, next: 0, rx: 0, tx: 0, rxEnergy: 0, rxSamples: 0 };

  function toBase64(bytes) {
    let binary = "";
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(binary);
  }

  function fromBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  function send(frame) {
    if (v.ws && v.ws.readyState === WebSocket.OPEN) v.ws.send(JSON.stringify(frame));
  }

  function setLine(state) {
    $("voice-state").textContent = state.replace(/_/g, " ");
    document.body.dataset.voiceLine = state;
  }

  function say(leg, text) {
    const item = document.createElement("li");
    item.className = `msg msg--${leg === "customer" ? "customer" : "agent"}`;
    item.dataset.leg = leg;
    const bubble = document.createElement("div");
    bubble.className = "msg__bubble";
    bubble.textContent = `${leg === "customer" ? "Caller" : "You"}: ${text}`;
    item.append(bubble);
    $("voice-transcript").append(item);
    $("voice-transcript").scrollTop = $("voice-transcript").scrollHeight;
  }

  function play(frame) {
    const bytes = fromBase64(frame.data);
    const samples = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1);
    if (!samples.length || !v.ctx) return;
    const buffer = v.ctx.createBuffer(1, samples.length, frame.sampleRate || 16000);
    const channel = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) {
      channel[i] = samples[i] / 32768;
      v.rxEnergy += channel[i] * channel[i];
    }
    v.rxSamples += samples.length;
    const node = v.ctx.createBufferSource();
    node.buffer = buffer;
    node.connect(v.ctx.destination);
    const at = Math.max(v.ctx.currentTime + 0.05, v.next);
    node.start(at);
    v.next = at + buffer.duration;
    v.rx += 1;
    document.body.dataset.voiceRx = String(v.rx);
    document.body.dataset.voiceRxRms = (Math.sqrt(v.rxEnergy / Math.max(1, v.rxSamples))).toFixed(5);
  }

  function onCapture({ pcm }) {
    if (v.muted || v.held) { v.pending = []; return; }
    v.pending.push(new Uint8Array(pcm));
    if (v.pending.length < FRAMES_PER_MESSAGE) return;
    const size = v.pending.reduce((n, part) => n + part.length, 0);
    const joined = new Uint8Array(size);
    let offset = 0;
    for (const part of v.pending) { joined.set(part, offset); offset += part.length; }
    v.pending = [];
    send({ type: "audio", data: toBase64(joined), sampleRate: v.ctx.sampleRate });
    v.tx += 1;
    document.body.dataset.voiceTx = String(v.tx);
  }

  async function startAudio() {
    v.ctx = new AudioContext();
    if (v.ctx.state === "suspended") await v.ctx.resume().catch(() => {});
    await v.ctx.audioWorklet.addModule("/static/agent-capture-worklet.js");
    v.mic = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    });
    const source = v.ctx.createMediaStreamSource(v.mic);
    v.node = new AudioWorkletNode(v.ctx, "pcm16-native");
    v.node.port.onmessage = (e) => onCapture(e.data);
    const silent = v.ctx.createGain();
    silent.gain.value = 0; // keep the graph pulled without hearing yourself
    source.connect(v.node).connect(silent).connect(v.ctx.destination);
  }

  function stopAudio() {
    if (v.node) { v.node.port.onmessage = null; v.node.disconnect(); v.node = null; }
    if (v.mic) { v.mic.getTracks().forEach((t) => t.stop()); v.mic = null; }
    if (v.ctx) { v.ctx.close().catch(() => {}); v.ctx = null; }
    v.pending = [];
  }

  function showControls(frame) {
    v.muted = !!frame.mute;
    v.held = !!frame.hold;
    $("voice-mute").setAttribute("aria-pressed", String(v.muted));
    $("voice-mute").textContent = v.muted ? "Unmute" : "Mute";
    $("voice-hold").setAttribute("aria-pressed", String(v.held));
    $("voice-hold").textContent = v.held ? "Resume" : "Hold";
    setLine(v.held ? "on_hold" : "connected");
  }

  async function onFrame(event) {
    let frame;
    try { frame = JSON.parse(event.data); } catch { return; }
    if (frame.type === "ready") {
      if (!frame.line) { leave(); return; }
      $("voice").hidden = false;
      setLine("connecting");
      try { await startAudio(); } catch (err) { $("desk-notice").textContent = `Microphone unavailable: ${err.message || err}`; }
    } else if (frame.type === "line") setLine(frame.state === "queued" ? "connecting" : frame.state);
    else if (frame.type === "audio") { play(frame); if (document.body.dataset.voiceLine === "connecting") setLine("connected"); }
    else if (frame.type === "transcript") say(frame.leg, frame.text);
    else if (frame.type === "control") showControls(frame);
    else if (frame.type === "caller_left") { setLine("ended"); stopAudio(); $("desk-notice").textContent = "The caller has left; choose a disposition and close the contact."; }
    else if (frame.type === "error") $("desk-notice").textContent = frame.message;
  }

  function join(contactId) {
    if (v.contactId === contactId && v.ws) return;
    leave();
    v.contactId = contactId;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const url = `${scheme}://${location.host}/v1/contacts/${encodeURIComponent(contactId)}/agent-audio`;
    v.ws = new WebSocket(url, window.SwitchboardAuth.socketProtocols());
    v.ws.addEventListener("message", onFrame);
    v.ws.addEventListener("close", () => { stopAudio(); v.ws = null; });
  }

  function hangup() {
    send({ type: "hangup" });
    setLine("ended");
    stopAudio();
  }

  function leave() {
    if (v.ws && v.ws.readyState <= WebSocket.OPEN) v.ws.close(1000);
    v.ws = null;
    v.contactId = null;
    stopAudio();
    $("voice").hidden = true;
    $("voice-transcript").replaceChildren();
  }

  $("voice-mute").addEventListener("click", () => send({ type: "mute", on: !v.muted }));
  $("voice-hold").addEventListener("click", () => send({ type: "hold", on: !v.held }));
  $("voice-hangup").addEventListener("click", hangup);
  window.SwitchboardAgentVoice = { join, leave, hangup, active: () => !!v.ws };
})();
