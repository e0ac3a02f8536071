/* chatdesk web chat widget: plain JS, no framework, no build. Served by chatdesk with its
   configuration in CONFIG. Everything a visitor or agent wrote is set as textContent, never HTML. */
(function (CONFIG) {
  "use strict";
  if (!CONFIG || CONFIG.origins.indexOf(window.location.origin) < 0) {
    if (window.console) console.warn("chatdesk: this site is not allowed to embed the chat widget");
    return;
  }
  if (window.__chatdeskWidget) return;
  window.__chatdeskWidget = true;
  var lang = CONFIG.language;
  if (lang === "browser") lang = ((navigator.language || "en").slice(0, 2)).toLowerCase();
  var T = CONFIG.strings[lang] || CONFIG.strings.en;
  var site = window.chatdeskSettings || {};
  var storeKey = "chatdesk:" + CONFIG.key;
  var token = null, lastId = 0, source = null, typingSent = 0, typingTimer = null;
  var shown = {}, pendingRefs = {}, seenRefs = {};

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text != null) e.textContent = text;
    return e;
  }
  function api(path, options) {
    options = options || {};
    options.headers = options.headers || {};
    if (token) options.headers["X-Visitor-Token"] = token;
    return fetch(CONFIG.api + path, options).then(function (r) {
      if (r.status === 204) return {};
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.detail || body.title || "error");
        return body;
      });
    });
  }
  function post(path, body) {
    return api(path, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)});
  }

  var host = el("div", {"id": "chatdesk-widget"});
  document.body.appendChild(host);
  var root = host.attachShadow({mode: "open"});
  root.appendChild(el("style", {}, CONFIG.css));
  host.style.setProperty("--cd-colour", CONFIG.colour);
  var bubble = el("button", {"class": "bubble " + CONFIG.position, "aria-label": T.open,
                             "aria-expanded": "false", "aria-controls": "cd-panel", "type": "button"}, "\uD83D\uDCAC");
  var panel = el("div", {"class": "panel " + CONFIG.position, "id": "cd-panel", "role": "dialog",
                         "aria-label": T.title, "hidden": ""});
  var header = el("header");
  header.appendChild(el("h2", {}, T.title));
  var close = el("button", {"type": "button", "aria-label": T.close, "class": "close"}, "\u00D7");
  header.appendChild(close);
  var log = el("div", {"class": "log", "aria-label": T.messages, "tabindex": "0"});
  var live = el("div", {"class": "sr", "aria-live": "polite"});
  var typingLine = el("div", {"class": "typing"});
  var error = el("div", {"class": "error", "role": "alert"});
  var form = el("form", {"class": "compose"});
  var input = el("textarea", {"rows": "1", "aria-label": T.placeholder, "placeholder": T.placeholder,
                              "maxlength": "4096", "name": "text"});
  var file = el("input", {"type": "file", "class": "sr", "tabindex": "-1", "aria-hidden": "true",
                          "accept": "image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain"});
  var attach = el("button", {"type": "button", "class": "attach", "aria-label": T.attach}, "\uD83D\uDCCE");
  var sendBtn = el("button", {"type": "submit", "class": "send"}, T.send);
  form.appendChild(input); form.appendChild(attach); form.appendChild(sendBtn); form.appendChild(file);
  panel.appendChild(header); panel.appendChild(log); panel.appendChild(typingLine);
  panel.appendChild(error); panel.appendChild(live);
  root.appendChild(bubble); root.appendChild(panel);

  var prechatDone = !CONFIG.prechat || !!localStorage.getItem(storeKey + ":name") || !!site.user_hash;
  if (CONFIG.greeting) log.appendChild(el("div", {"class": "msg greeting"}, CONFIG.greeting));
  if (prechatDone) panel.appendChild(form); else panel.appendChild(prechatForm());

  function offlineForm() {
    var f = el("form", {"class": "offline"});
    f.appendChild(el("p", {}, T.offline));
    var name = el("input", {"name": "name", "maxlength": "100", "autocomplete": "name"});
    var mail = el("input", {"name": "email", "type": "email", "maxlength": "320", "autocomplete": "email", "required": ""});
    var text = el("textarea", {"name": "text", "rows": "3", "maxlength": "4096", "required": ""});
    var l1 = el("label", {}, T.name); l1.appendChild(name);
    var l2 = el("label", {}, T.email); l2.appendChild(mail);
    var l3 = el("label", {}, T.message); l3.appendChild(text);
    f.appendChild(l1); f.appendChild(l2); f.appendChild(l3); f.appendChild(el("button", {"type": "submit"}, T.send));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      ready.then(function () {
        return post("/messages", {text: text.value.trim(), name: name.value.trim() || site.name || null,
                                  email: mail.value.trim() || null});
      })
        .then(function () { f.replaceWith(el("p", {"class": "msg greeting", "role": "status"}, T.thanks)); })
        .catch(function (err) { error.textContent = err.message || T.error; });
    });
    return f;
  }

  function prechatForm() {
    var f = el("form", {"class": "prechat"});
    var name = el("input", {"name": "name", "maxlength": "100", "autocomplete": "name", "required": ""});
    var mail = el("input", {"name": "email", "type": "email", "maxlength": "320", "autocomplete": "email"});
    var l1 = el("label", {}, T.name); l1.appendChild(name);
    var l2 = el("label", {}, T.email); l2.appendChild(mail);
    f.appendChild(l1); f.appendChild(l2); f.appendChild(el("button", {"type": "submit"}, T.start));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      localStorage.setItem(storeKey + ":name", name.value.trim().slice(0, 100));
      localStorage.setItem(storeKey + ":email", mail.value.trim().slice(0, 320));
      f.replaceWith(form); input.focus();
    });
    return f;
  }

  function isOpen() { return !panel.hasAttribute("hidden"); }
  function openPanel() {
    panel.removeAttribute("hidden"); bubble.setAttribute("aria-expanded", "true");
    var first = panel.querySelector("form input, form textarea"); if (first) first.focus();
    log.scrollTop = log.scrollHeight; markRead();
  }
  function closePanel() { panel.setAttribute("hidden", ""); bubble.setAttribute("aria-expanded", "false"); bubble.focus(); }
  bubble.addEventListener("click", function () { isOpen() ? closePanel() : openPanel(); });
  close.addEventListener("click", closePanel);
  root.addEventListener("keydown", function (e) { if (e.key === "Escape" && isOpen()) { e.preventDefault(); closePanel(); } });
  document.addEventListener("visibilitychange", markRead);

  function render(m, announce) {
    if (shown[m.id]) return;
    shown[m.id] = true;
    if (m.id > lastId) lastId = m.id;
    if (m.ref) seenRefs[m.ref] = true;
    if (m.ref && pendingRefs[m.ref]) { pendingRefs[m.ref].setAttribute("data-id", m.id); delete pendingRefs[m.ref]; return; }
    var text = m.text || (m.filename ? "\uD83D\uDCCE " + m.filename : "");
    var node = el("div", {"class": "msg " + (m.direction === "in" ? "in" : "out"), "data-id": String(m.id)}, text);
    log.appendChild(node);
    log.scrollTop = log.scrollHeight;
    if (m.direction === "out") {
      typingLine.textContent = "";
      if (announce) live.textContent = text;
      if (m.ref && (m.status === "pending" || m.status === "sent")) receipt([m.ref], "delivered");
      unread.push(m.ref);
    }
  }
  var unread = [];
  function markRead() {
    if (!isOpen() || document.visibilityState !== "visible") return;
    var refs = unread.filter(Boolean); unread = [];
    if (refs.length) receipt(refs, "read");
  }
  function receipt(refs, status) {
    post("/receipts", {refs: refs.slice(0, 50), status: status}).catch(function () {});
    if (status === "delivered") setTimeout(markRead, 0);
  }

  function settle(ref, node) {
    // the stream may bring the stored message before the POST's answer: keep one copy
    if (seenRefs[ref]) node.remove(); else pendingRefs[ref] = node;
  }

  function connect() {
    if (source) source.close();
    source = new EventSource(CONFIG.api + "/stream?token=" + encodeURIComponent(token) + "&after=" + lastId);
    source.addEventListener("message", function (e) { render(JSON.parse(e.data), true); });
    source.addEventListener("typing", function () {
      typingLine.textContent = T.typing;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typingLine.textContent = ""; }, 5000);
    });
  }

  function start() {
    var body = {token: localStorage.getItem(storeKey) || null};
    ["user_id", "user_hash", "name", "email", "phone"].forEach(function (k) { if (site[k]) body[k] = String(site[k]); });
    return post("/session", body).then(function (s) {
      token = s.token; localStorage.setItem(storeKey, token);
      if (!s.open) { var current = panel.querySelector("form"); if (current) current.replaceWith(offlineForm()); }
      return api("/messages");
    }).then(function (h) {
      h.items.forEach(function (m) { render(m, false); });
      connect();
    }).catch(function () { error.textContent = T.error; });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    error.textContent = "";
    var node = el("div", {"class": "msg in"}, text);
    log.appendChild(node); log.scrollTop = log.scrollHeight;
    input.value = "";
    ready.then(function () {
      return post("/messages", {text: text, name: localStorage.getItem(storeKey + ":name") || site.name || null,
                                email: localStorage.getItem(storeKey + ":email") || null});
    })
      .then(function (r) { settle(r.ref, node); })
      .catch(function (err) { node.remove(); input.value = text; error.textContent = err.message || T.error; });
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  input.addEventListener("input", function () {
    var now = Date.now();
    if (token && now - typingSent > 3000) { typingSent = now; post("/typing", {}).catch(function () {}); }
  });
  attach.addEventListener("click", function () { file.click(); });
  file.addEventListener("change", function () {
    if (!file.files.length) return;
    var data = new FormData(); data.append("file", file.files[0]);
    error.textContent = "";
    ready.then(function () { return api("/attachments", {method: "POST", body: data}); }).then(function (r) {
      var node = el("div", {"class": "msg in"}, "\uD83D\uDCCE " + file.files[0].name);
      log.appendChild(node); settle(r.ref, node); file.value = "";
    }).catch(function (err) { error.textContent = err.message || T.error; file.value = ""; });
  });

  var ready = start();  // writing before the session is there waits for it
})(/*CONFIG*/null);
