/* chatdesk inbox: live updates (SSE), the composer, canned responses, typing, keyboard.
   No build step; htmx does the requests, this file wires behaviour around them. */
(function () {
  "use strict";
  var body = document.body;
  var WS = body.dataset.ws;              // "/w/<slug>/"
  var ME = body.dataset.user;
  var csrf = function () { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ""; };

  document.addEventListener("htmx:configRequest", function (e) { e.detail.headers["X-CSRF-Token"] = csrf(); });

  /* Deletes ask first (form[data-confirm]): the page's <dialog>, translated server-side. */
  document.addEventListener("submit", function (e) {
    var form = e.target, dlg = document.getElementById("confirm-dialog");
    if (!form.dataset || !form.dataset.confirm || form.dataset.confirmed) return;
    e.preventDefault();
    if (!dlg || !dlg.showModal) { if (window.confirm(form.dataset.confirm)) { form.dataset.confirmed = "1"; form.submit(); } return; }
    dlg.querySelector("#confirm-text").textContent = form.dataset.confirm;
    dlg.returnValue = "";
    dlg.onclose = function () { if (dlg.returnValue === "ok") { form.dataset.confirmed = "1"; form.submit(); } };
    dlg.showModal();
  });
  /* A form whose secrets must survive a refusal (connect a channel): posted in the background,
     so on a problem only the page's alert changes and what was typed stays in the fields. */
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form.hasAttribute || !form.hasAttribute("data-keep-on-error")) return;
    e.preventDefault();
    var btn = form.querySelector("button:not([type=button])"); if (btn) btn.disabled = true;
    var main = form.closest("main") || body;
    function showAlert(el) {
      var old = main.querySelector(":scope > .alert.error"); if (old) old.remove();
      el.setAttribute("tabindex", "-1"); main.insertBefore(el, main.firstChild); el.focus();
    }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" }).then(function (r) {
      if (r.redirected) { location.href = r.url; return; }
      return r.text().then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").querySelector("main > .alert.error");
        if (fresh) showAlert(document.importNode(fresh, true)); else HTMLFormElement.prototype.submit.call(form);  // not a problem page: post it plainly
      });
    }).catch(function () {
      var el = document.createElement("div"); el.className = "alert error"; el.setAttribute("role", "alert");
      el.textContent = form.getAttribute("data-keep-on-error"); showAlert(el);
    }).finally(function () { if (btn) btn.disabled = false; });
  });

  if (!WS) return;                       // sign-in and error pages stop here

  var $ = function (sel, root) { return (root || document).querySelector(sel); };
  var $$ = function (sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); };
  var conv = function () { return $("#conv"); };
  var convId = function () { var c = conv(); return c ? c.dataset.conv : null; };

  function post(url, data) {
    var form = new FormData();
    Object.keys(data || {}).forEach(function (k) { form.append(k, data[k]); });
    return fetch(url, { method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRF-Token": csrf(), "HX-Request": "true" } });
  }
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (r) { return r.ok ? r.text() : ""; });
  }

  /* ---------------------------------------------------------------- thread */
  function thread() { return $("#thread"); }
  function nearBottom() { var t = thread(); return !t || t.scrollHeight - t.scrollTop - t.clientHeight < 160; }
  function toBottom() { var t = thread(); if (t) t.scrollTop = t.scrollHeight; }
  /* The newest message we hold (by arrival): the timeline is in send-time order, so not always the last one shown. */
  function lastId() { return $$("#messages .msg").reduce(function (m, el) { return Math.max(m, +el.dataset.id || 0); }, 0); }

  /* The timeline's order (send time, then id), as the server sorts it. */
  function after(a, b) {
    var x = +a.dataset.at || 0, y = +b.dataset.at || 0;
    return x > y || (x === y && +a.dataset.id > +b.dataset.id);
  }
  /* Put a new message where its send time belongs (Meta may deliver an older one late),
     with its day's separator when that day is not shown yet. */
  function place(box, el, sep) {
    var next = $$("#messages .msg").filter(function (m) { return after(m, el); })[0];
    var anchor = next || null, prev = next && next.previousElementSibling;
    if (prev && prev.classList.contains("day-sep") && prev.dataset.day !== el.dataset.day) anchor = prev;
    if (sep) box.insertBefore(sep, anchor);
    box.insertBefore(el, anchor);
  }
  /* Insert messages from an HTML fragment, skipping ones already shown (send + live race). A
     message already shown is replaced only by a render as new or newer (data-version, its last
     change): two requests in flight may answer out of order, and the older must not win. */
  function mergeMessages(html) {
    var box = $("#messages"); if (!box) return;
    var stick = nearBottom(), sep = null;
    var tpl = document.createElement("template"); tpl.innerHTML = html;
    Array.prototype.slice.call(tpl.content.children).forEach(function (el) {
      if (el.classList.contains("day-sep")) {
        sep = box.querySelector('.day-sep[data-day="' + el.dataset.day + '"]') ? null : el;
      } else if (el.id) {
        var old = document.getElementById(el.id);
        if (old && +el.dataset.version < +old.dataset.version) return;  // a stale render: keep the newer one
        if (old) old.replaceWith(el); else place(box, el, sep);
        sep = null;
        htmx.process(el);
      }
    });
    if (stick) toBottom();
  }

  /* Whether the conversation at ``base`` is still the one shown: an answer that lands after the
     agent opened another belongs to none of what is on the page. */
  function stillShown(base) { return !!conv() && conv().dataset.base === base; }
  function refreshMessage(id) {
    var base = conv() && conv().dataset.base; if (!base) return;
    get(base + "/m/" + id).then(function (html) { if (html && stillShown(base)) mergeMessages(html); });
  }
  function fetchNew() {
    var base = conv() && conv().dataset.base; if (!base) return;
    get(base + "/messages?after=" + lastId()).then(function (html) {
      if (!html.trim() || !stillShown(base)) return;
      mergeMessages(html); if (document.visibilityState === "visible") post(base + "/read");
    });
  }
  var headerBusyUntil = 0, headerRetry = null;
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.elt && e.detail.elt.closest && e.detail.elt.closest("#conv-header")) headerBusyUntil = Date.now() + 1500;
  });
  function refreshHeader() {
    var base = conv() && conv().dataset.base; if (!base) return;
    var head = $("#conv-header");
    // never re-render under the agent's hands: an open menu, a focused control, or an own action in flight
    var busy = head && (head.querySelector("details[open]") || head.contains(document.activeElement) && document.activeElement.tagName === "SELECT");
    if (busy || Date.now() < headerBusyUntil) { clearTimeout(headerRetry); headerRetry = setTimeout(refreshHeader, 1500); return; }
    get(base + "/header").then(function (html) {
      var h = $("#conv-header"); if (!html || !h || !stillShown(base)) return;
      var tpl = document.createElement("template"); tpl.innerHTML = html.trim();
      var fresh = tpl.content.firstElementChild;
      if (!fresh || fresh.dataset.version === h.dataset.version) return;   // already showing it (own action)
      h.replaceWith(fresh); htmx.process(fresh); syncDrawer();
    });
  }

  /* The reply window above the composer (and its line in the contact pane): the provider may
     report it closed (a re-engagement failure) and the customer's next message opens it again;
     re-rendered by the server, each element put in place of the one with its id. */
  function refreshWindow() {
    var box = $("#window-state"), shown = convId(); if (!box) return;
    get(box.dataset.url).then(function (html) {
      if (!html || convId() !== shown) return;   // another conversation was opened meanwhile
      var tpl = document.createElement("template"); tpl.innerHTML = html.trim();
      Array.prototype.slice.call(tpl.content.children).forEach(function (fresh) {
        var cur = fresh.id && document.getElementById(fresh.id);
        if (!cur) return;
        // still closed the same way: keep the banner, and the template an agent may be filling in
        if (fresh.id === "window-state" && fresh.dataset.state !== "open" && fresh.dataset.state === cur.dataset.state) return;
        if (fresh.id === "window-state" && fresh.dataset.state !== "open") closeTemplates();  // the banner has its own picker
        cur.replaceWith(fresh); htmx.process(fresh);
      });
    });
  }

  /* ---------------------------------------------------------------- template picker */
  /* The closed-window banner has the picker; while the window is open the composer's "Template"
     button opens it above the composer (one picker at a time: their parts share ids). */
  function openTemplates() {
    var inBanner = $("#template-picker");
    if (inBanner) { inBanner.scrollIntoView({ block: "nearest" }); var s = $("#tp-search"); if (s) s.focus(); return; }
    var pop = $("#template-pop"), btn = $("#template-btn"); if (!pop || !btn) return;
    pop.hidden = false;
    htmx.ajax("GET", btn.dataset.url, { target: "#template-pop-body", swap: "innerHTML" }).then(function () {
      var s = $("#tp-search"); if (s) s.focus();
    });
  }
  function closeTemplates() {
    var pop = $("#template-pop"); if (!pop) return;
    pop.hidden = true; $("#template-pop-body").innerHTML = "";
  }
  function templateSent(form, xhr) {
    var err = form.querySelector(".tp-error");
    if (xhr.status === 204) return;       // a new conversation: htmx follows HX-Redirect to it
    if (xhr.status === 200) {
      mergeMessages(xhr.responseText); toBottom();
      if ($("#template-pop") && !$("#template-pop").hidden) closeTemplates();
      else { var fill = form.closest(".tp-fill"); if (fill) fill.innerHTML = ""; }
    } else if (err && (xhr.status === 422 || xhr.status === 413)) {
      err.innerHTML = xhr.responseText;   // server-rendered, escaped fragment
    } else if (err) {
      err.textContent = xhr.status ? (err.dataset.failed || "Could not send (error %(status)s).").replace("%(status)s", xhr.status)
                                   : err.dataset.offline || "Could not send: the server cannot be reached.";
    }
  }

  /* ---------------------------------------------------------------- window countdowns */
  /* "2 h left" in the composer and the list, counted down here from the time left the server
     rendered (data-left, ms by its clock: the browser's clock may be off). At zero the composer's
     window is fetched again (the closed banner with the template picker), a list line goes. */
  var deadlines = new WeakMap();
  function timeLeft(ms) {   // as present.time_left: days from 2 days, hours from 1 hour, minutes rounded up
    var min = Math.max(1, Math.ceil(ms / 60000));
    if (min >= 2880) return ["D", Math.floor(min / 1440)];
    if (min >= 60) return ["H", Math.floor(min / 60)];
    return ["Min", min];
  }
  function tickCountdowns() {
    var app = $("#app"), now = Date.now(); if (!app) return;
    $$(".countdown[data-left]").forEach(function (el) {
      if (!deadlines.has(el)) deadlines.set(el, now + (+el.dataset.left || 0));
      var left = deadlines.get(el) - now;
      if (left <= 0) { expire(el); return; }
      var part = timeLeft(left), text = (app.dataset["left" + part[0]] || "%(n)s").replace("%(n)s", part[1]);
      if (el.textContent !== text) el.textContent = text;
      el.classList.toggle("soon", left < 3600000);
    });
  }
  function expire(el) {
    if (el.dataset.expired) return;
    el.dataset.expired = "true";
    if (el.closest("#window-state")) refreshWindow(); else el.hidden = true;
  }

  /* ---------------------------------------------------------------- list */
  var listTimer = null, liveRefresh = false;
  function refreshList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(function () {
      var f = $("#filters"); if (!f) return;
      var shown = $("#list-shown"); if (shown) shown.value = $$("#conv-list .conv-item").length;  // keep what was scrolled to
      liveRefresh = true; htmx.trigger(f, "refresh");
    }, 250);
  }
  /* The list is not a live region (it would re-read every refresh): conversations that a live
     refresh brings in are announced once, by name, in a polite status region. */
  var knownConvs = null;
  function announceNew() {
    var ids = $$(".conv-item").map(function (a) { return a.dataset.id; });
    var box = $("#list-status"), fresh = [];
    if (knownConvs && liveRefresh) fresh = $$(".conv-item").filter(function (a) { return knownConvs.indexOf(a.dataset.id) < 0; });
    if (box && fresh.length) box.textContent = fresh.map(function (a) {
      return (box.dataset.newOne || "%(name)s").replace("%(name)s", a.dataset.name);  // not the channel's icon text
    }).join(". ");
    knownConvs = ids; liveRefresh = false;
  }

  /* ---------------------------------------------------------------- narrow windows */
  /* Below 860 px the list and the conversation take turns (body.has-conv); below 1,180 px the
     contact panel is a drawer opened from the header. */
  function showList(e) {
    if (!$("#conv-list")) return;
    if (e) e.preventDefault();
    body.classList.remove("has-conv");
    history.pushState({}, "", WS);
    var sel = $(".conv-item.selected") || $(".conv-item"); if (sel) sel.focus();
  }
  function drawer(open) {
    var c = conv(), btn = $("#contact-btn"); if (!c) return;
    c.classList.toggle("drawer-open", open);
    syncDrawer();
    if (open) { var x = $("#contact-close"); if (x) x.focus(); } else if (btn) btn.focus();
  }
  function syncDrawer() {
    var c = conv(), btn = $("#contact-btn");
    if (btn) btn.setAttribute("aria-expanded", c && c.classList.contains("drawer-open") ? "true" : "false");
  }
  function markSelected() {
    var id = convId();
    var cur = $("#current-conv"); if (cur) cur.value = id || "";
    $$(".conv-item").forEach(function (a) {
      var on = a.dataset.id === id;
      a.classList.toggle("selected", on);
      if (on) { a.setAttribute("aria-current", "true"); a.classList.remove("unread"); var b = a.querySelector(".badge"); if (b) b.remove(); }
      else a.removeAttribute("aria-current");
    });
  }
  function updateCounts() {
    var t = $("#counts-update"); if (!t) return;
    ["mine", "unassigned", "all"].forEach(function (v) { var el = $("#count-" + v); if (el) el.textContent = t.dataset[v]; });
  }

  /* ---------------------------------------------------------------- live events */
  var typingTimer = null;
  function showTyping(ev, customer) {
    if ((!customer && String(ev.user_id) === String(ME)) || String(ev.conversation_id) !== convId()) return;
    var el = $("#typing"); if (!el) return;
    el.textContent = customer ? (el.dataset.customer + " " + (el.dataset.customerText || "is typing…"))
                   : ev.mode === "note" ? (ev.name + " " + (el.dataset.noteText || "is writing a note…"))
                                        : (ev.name + " " + (el.dataset.replyText || "is replying…"));
    el.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(function () { el.hidden = true; }, 6000);
  }

  function connect() {
    if (!window.EventSource) return;
    var es = new EventSource(WS + "events");
    var status = $("#live-status");
    es.onopen = function () {  // (re)connected: catch up on whatever happened while we were not listening
      body.classList.remove("offline"); if (status) status.textContent = "";
      refreshList(); if (convId()) { fetchNew(); refreshWindow(); refreshHeader(); }
    };
    es.onerror = function () {
      body.classList.add("offline");
      if (status) status.textContent = status.dataset.reconnecting || "Reconnecting…";
      // the browser retries a dropped stream itself; one it gave up on (an error answer) we reopen
      if (es.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
    ["message.received", "message.created"].forEach(function (type) {  // a new message in a timeline
      es.addEventListener(type, function (e) {
        var ev = JSON.parse(e.data);
        if (String(ev.conversation_id) === convId()) { fetchNew(); if (ev.direction === "in") { var t = $("#typing"); if (t) t.hidden = true; refreshWindow(); } }
        refreshList();
      });
    });
    ["message.sent", "message.status_changed", "message.updated"].forEach(function (type) {  // one that changed
      es.addEventListener(type, function (e) {
        var ev = JSON.parse(e.data);
        if (String(ev.conversation_id) === convId()) {
          // one not shown yet is still on its way (its fetch was in flight, reading it before this
          // change): fetch again, or the change is lost until a reload
          if (document.getElementById("m-" + ev.message_id)) refreshMessage(ev.message_id);
          else if (+ev.message_id > lastId()) fetchNew();
        }
        refreshList();
      });
    });
    ["conversation.updated", "conversation.assigned", "conversation.status_changed", "conversation.read"].forEach(function (type) {
      es.addEventListener(type, function (e) {
        var ev = JSON.parse(e.data);
        if (String(ev.conversation_id) === convId() && type !== "conversation.read") { refreshHeader(); if (type === "conversation.updated") refreshWindow(); }
        refreshList();
      });
    });
    es.addEventListener("stream.resync", function () {  // too much was missed to replay: refetch
      refreshList(); if (convId()) { fetchNew(); refreshHeader(); refreshWindow(); }
    });
    es.addEventListener("conversation.typing", function (e) { showTyping(JSON.parse(e.data), false); });
    es.addEventListener("conversation.visitor_typing", function (e) { showTyping(JSON.parse(e.data), true); });
    es.addEventListener("notification.created", function (e) {   // notifications.js decides whether it is ours
      document.dispatchEvent(new CustomEvent("chatdesk:notification", { detail: JSON.parse(e.data) }));
    });
  }

  /* ---------------------------------------------------------------- composer */
  function setMode(mode) {
    var form = $("#composer"); if (!form) return;
    form.dataset.mode = mode;
    form.elements.mode.value = mode;
    $$(".ctab", form).forEach(function (b) { b.setAttribute("aria-selected", b.dataset.mode === mode ? "true" : "false"); });
    var ta = $("#composer-text");
    ta.placeholder = mode === "note" ? ta.dataset.notePlaceholder : ta.dataset.replyPlaceholder;
    ta.focus();
  }
  var lastTyping = 0;
  function typing() {
    var form = $("#composer"); if (!form) return;
    var now = Date.now(); if (now - lastTyping < 2500) return;
    lastTyping = now;
    post(form.dataset.typing, { mode: form.dataset.mode });
  }
  function clearReply() {
    var form = $("#composer"); if (!form) return;
    form.elements.reply_to_id.value = "";
    var p = $("#reply-preview"); p.hidden = true; p.textContent = "";
  }

  /* canned responses: "/short" at the start of the composer */
  var cannedReq = 0;
  function cannedMenu() { return $("#canned-menu"); }
  function updateCanned() {
    var ta = $("#composer-text"), menu = cannedMenu(), form = $("#composer");
    var m = /^\/([\w-]*)$/.exec(ta.value);
    if (!m) { menu.hidden = true; return; }
    var n = ++cannedReq;
    get(form.dataset.canned + (form.dataset.canned.indexOf("?") < 0 ? "?q=" : "&q=") + encodeURIComponent(m[1])).then(function (html) {
      if (n !== cannedReq) return;
      menu.innerHTML = html; menu.hidden = false;
    });
  }
  function pickCanned(li) {
    var ta = $("#composer-text");
    ta.value = li.dataset.text; cannedMenu().hidden = true; ta.focus();
  }
  function moveCanned(step) {
    var items = $$("#canned-menu li"); if (!items.length) return;
    var i = items.findIndex(function (li) { return li.getAttribute("aria-selected") === "true"; });
    items.forEach(function (li) { li.setAttribute("aria-selected", "false"); });
    i = (i + step + items.length) % items.length;
    items[i].setAttribute("aria-selected", "true"); items[i].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (e) {
    var ta = e.target;
    if (e.key === "Escape" && conv() && conv().classList.contains("drawer-open")) { drawer(false); return; }
    if (ta && ta.id === "composer-text") {
      var menu = cannedMenu();
      if (menu && !menu.hidden) {
        if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); moveCanned(e.key === "ArrowDown" ? 1 : -1); return; }
        if (e.key === "Enter" || e.key === "Tab") { var sel = $('#canned-menu li[aria-selected="true"]'); if (sel) { e.preventDefault(); pickCanned(sel); return; } }
        if (e.key === "Escape") { menu.hidden = true; return; }
      }
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        if (ta.value.trim() || ($("#composer-file") && $("#composer-file").files.length)) {
          var form = $("#composer");
          htmx.process(form);  // a conversation swapped in a moment ago may not be wired by htmx yet
          htmx.trigger(form, "submit");
        }
        return;
      }
      if (e.key === "Escape") { ta.blur(); return; }
      return;
    }
    shortcuts(e);
  });
  document.addEventListener("input", function (e) {
    if (e.target.id === "composer-text") { updateCanned(); typing(); autoGrow(e.target); }
  });
  function autoGrow(ta) { ta.style.height = "auto"; ta.style.height = Math.min(ta.scrollHeight, 220) + "px"; }
  document.addEventListener("change", function (e) {
    if (e.target.id === "composer-file") { var f = e.target.files[0]; $("#file-name").textContent = f ? f.name : ""; }
  });
  document.addEventListener("click", function (e) {
    var tab = e.target.closest(".ctab"); if (tab) { setMode(tab.dataset.mode); return; }
    if (e.target.closest("#back-btn")) { showList(e); return; }
    if (e.target.closest("#contact-btn")) { drawer(!conv().classList.contains("drawer-open")); return; }
    if (e.target.closest("#contact-close")) { drawer(false); return; }
    if (e.target.closest("#template-btn")) { openTemplates(); return; }
    if (e.target.closest("#template-pop-close")) { closeTemplates(); return; }
    var li = e.target.closest("#canned-menu li"); if (li) { pickCanned(li); return; }
    var rep = e.target.closest(".msg-reply");
    if (rep) {
      var form = $("#composer"); form.elements.reply_to_id.value = rep.dataset.reply;
      var p = $("#reply-preview"); p.hidden = false; p.textContent = "";
      var span = document.createElement("span"); span.textContent = rep.dataset.preview; p.appendChild(span);
      var x = document.createElement("button"); x.type = "button"; x.className = "reply-cancel"; x.textContent = "×"; x.setAttribute("aria-label", "Cancel quote");
      x.addEventListener("click", clearReply); p.appendChild(x);
      setMode("reply"); return;
    }
    // close popovers when clicking elsewhere
    $$("details.pop[open], details.rail-menu[open]").forEach(function (d) { if (!d.contains(e.target)) d.removeAttribute("open"); });
  });

  document.addEventListener("htmx:afterRequest", function (e) {
    var form = e.detail.elt;
    if (form && form.classList && form.classList.contains("tp-form")) { templateSent(form, e.detail.xhr); return; }
    if (!form || form.id !== "composer") return;
    var xhr = e.detail.xhr, err = $("#composer-error");
    if (xhr.status === 200) {
      mergeMessages(xhr.responseText); toBottom();
      var ta = $("#composer-text"); ta.value = ""; autoGrow(ta);
      $("#composer-file").value = ""; $("#file-name").textContent = ""; err.innerHTML = ""; clearReply();
    } else if (xhr.status === 422 || xhr.status === 413) {
      err.innerHTML = xhr.responseText;   // server-rendered, escaped fragment
      refreshWindow();                    // a refusal may mean the window closed since the page was shown
    } else {
      err.textContent = xhr.status ? (err.dataset.failed || "Could not send (error %(status)s).").replace("%(status)s", xhr.status)
                                   : err.dataset.offline || "Could not send: the server cannot be reached.";
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    syncDrawer();
    if (e.detail.target && e.detail.target.id === "pane") {
      body.classList.toggle("has-conv", !!conv());
      markSelected(); toBottom();
      var c = conv(); if (c) document.title = c.dataset.title;
      // opened with j/k: keep focus in the list so the next j/k works; with the mouse: ready to type
      var ta = $("#composer-text");
      if (!navByKey && ta && window.matchMedia("(pointer: fine)").matches) ta.focus({ preventScroll: true });
      navByKey = false;
    }
    if (e.detail.target && e.detail.target.id === "conv-list") {
      markSelected(); updateCounts(); announceNew();
      var shown = $("#list-shown"); if (shown) shown.value = "";  // a filter change starts at the first page
    }
  });
  document.addEventListener("htmx:beforeSwap", function (e) {
    // an action that failed (e.g. reopen blocked) answers a fragment for #action-error
    if (e.detail.xhr.status === 422 && e.detail.xhr.getResponseHeader("HX-Retarget")) { e.detail.shouldSwap = true; e.detail.isError = false; }
  });

  /* ---------------------------------------------------------------- keyboard */
  function typingInField(e) {
    var t = e.target; return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  var navByKey = false;
  function moveSelection(step) {
    navByKey = true;
    var items = $$(".conv-item"); if (!items.length) return;
    var i = items.findIndex(function (a) { return a.classList.contains("selected"); });
    var next = items[Math.max(0, Math.min(items.length - 1, i < 0 ? 0 : i + step))];
    if (next) { next.focus(); next.click(); next.scrollIntoView({ block: "nearest" }); }
  }
  function shortcuts(e) {
    if (typingInField(e) || e.metaKey || e.ctrlKey || e.altKey) return;
    switch (e.key) {
      case "j": moveSelection(1); break;
      case "k": moveSelection(-1); break;
      case "r": if ($("#composer")) { e.preventDefault(); setMode("reply"); } break;
      case "n": if ($("#composer")) { e.preventDefault(); setMode("note"); } break;
      case "e": var b = $("#resolve-btn"); if (b) b.click(); break;
      case "/": e.preventDefault(); var s = $("#search"); if (s) { s.focus(); s.select(); } break;
      default: return;
    }
  }

  function convInPath() { body.classList.toggle("has-conv", /\/c\/\d+/.test(location.pathname)); }
  window.addEventListener("popstate", convInPath);
  document.addEventListener("htmx:historyRestore", convInPath);
  markSelected(); announceNew(); toBottom(); connect(); setInterval(tickCountdowns, 1000);
  var ta0 = $("#composer-text"); if (ta0) autoGrow(ta0);

  /* ---------------------------------------------------------------- bulk selection */
  // The selection outlives live refreshes of the list (kept by id, re-applied after each swap).
  var picked = new Set(), lastPick = null;
  function pickBoxes() { return $$("#conv-list .pick"); }
  function syncBulk() {
    var bar = $("#bulk-form"); if (!bar) return;
    var boxes = pickBoxes();
    boxes.forEach(function (p) { p.checked = picked.has(p.value); });
    bar.hidden = picked.size === 0;
    $("#bulk-count").textContent = picked.size;
    $("#pick-all").checked = boxes.length > 0 && boxes.every(function (p) { return picked.has(p.value); });
  }
  document.addEventListener("click", function (e) {
    var box = e.target.closest && e.target.closest("#conv-list .pick"); if (!box) return;
    var boxes = pickBoxes(), on = box.checked;
    var ids = boxes.map(function (p) { return p.value; });  // by id: a live refresh may have replaced the rows
    var from = e.shiftKey && lastPick ? ids.indexOf(lastPick) : -1, to = boxes.indexOf(box);
    var range = from >= 0 ? boxes.slice(Math.min(from, to), Math.max(from, to) + 1) : [box];  // shift-click: a range
    range.forEach(function (p) { if (on) picked.add(p.value); else picked.delete(p.value); });
    lastPick = box.value; syncBulk();
  });
  document.addEventListener("change", function (e) {
    if (!e.target || e.target.id !== "pick-all") return;
    var on = e.target.checked;
    pickBoxes().forEach(function (p) { if (on) picked.add(p.value); else picked.delete(p.value); });
    syncBulk();
  });
  function clearPicks() { picked.clear(); lastPick = null; var err = $("#bulk-error"); if (err) err.innerHTML = ""; syncBulk(); }
  document.addEventListener("click", function (e) { if (e.target && e.target.id === "bulk-clear") clearPicks(); });
  document.addEventListener("bulk-done", function () { clearPicks(); refreshList(); });
  document.addEventListener("htmx:afterSettle", function () { if (picked.size) syncBulk(); });

  /* ---------------------------------------------------------------- presence */
  // A heartbeat every 30 s while the page is open, saying whether the agent did anything since
  // the last one: the server makes an idle agent away and one with no open page offline.
  var lastActivity = Date.now(), lastBeat = 0;
  ["keydown", "pointerdown", "wheel", "focus"].forEach(function (type) {
    window.addEventListener(type, function () { lastActivity = Date.now(); }, { passive: true, capture: true });
  });
  function showPresence(state) {
    var sel = $("#availability-select"), dot = $("#presence-dot");
    if (sel && state.chosen && document.activeElement !== sel) sel.value = state.chosen;
    if (dot) { dot.dataset.state = state.availability; dot.title = state.availability; }
  }
  function beat() {
    var f = $("#availability"); if (!f) return;
    var active = lastActivity > lastBeat ? "1" : "0"; lastBeat = Date.now();
    post(f.dataset.beat, { active: active }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) showPresence(state); }).catch(function () {});
  }
  document.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt && e.detail.elt.id === "availability" && e.detail.xhr.status === 200) showPresence(JSON.parse(e.detail.xhr.responseText));
  });
  beat(); setInterval(beat, 30000);
})();
