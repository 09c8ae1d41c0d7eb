// Staff sign-in shared by the agent desktop and the supervisor page (issue 13).
// POST /v1/auth/login → a short-lived bearer token kept in this tab's sessionStorage
// (never a cookie: no CSRF surface). REST calls send "Authorization: Bearer …";
// sockets send the subprotocols ["bearer", token] (browsers cannot set socket headers).
"use strict";

(() => {
  const KEY = "switchboard.staff";

  function load() {
    try {
      const s = JSON.parse(sessionStorage.getItem(KEY) || "null");
      if (s && s.access_token && s.expires_at > Date.now()) return s;
    } catch { /* a damaged entry is the same as none */ }
    sessionStorage.removeItem(KEY);
    return null;
  }

  async function signIn(username, password) {
    const response = await fetch("/v1/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      throw new Error((data.error && data.error.message) || `sign-in failed (HTTP ${response.status})`);
    }
    const session = { ...data, expires_at: Date.now() + data.expires_in * 1000 };
    sessionStorage.setItem(KEY, JSON.stringify(session));
    return session;
  }

  function signOut() { sessionStorage.removeItem(KEY); }

  function headers(extra) {
    const s = load();
    return { Accept: "application/json", ...(extra || {}), ...(s ? { Authorization: `Bearer ${s.access_token}` } : {}) };
  }

  async function authFetch(url, options) {
    const opts = options || {};
    const response = await fetch(url, { ...opts, headers: headers(opts.headers) });
    if (response.status === 401) {
      signOut();
      document.dispatchEvent(new CustomEvent("switchboard:signed-out"));
    }
    return response;
  }

  function socketProtocols() {
    const s = load();
    return s ? ["bearer", s.access_token] : [];
  }

  window.SwitchboardAuth = { session: load, signIn, signOut, authFetch, socketProtocols };
})();
