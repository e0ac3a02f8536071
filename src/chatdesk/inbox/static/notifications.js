/* chatdesk notifications (issue 16): the bell's unread count, the count in the tab title
   ("(3) chatdesk"), the list, a short sound and desktop notifications. inbox.js passes each live
   "notification.created" event on as a "chatdesk:notification" DOM event; this file asks the
   server for the count and the newest one. Desktop permission is asked once, from a click. */
(function () {
  "use strict";
  var menu = document.getElementById("bell-menu");
  if (!menu) return;
  var ME = document.body.dataset.user;
  var countEl = document.getElementById("bell-count");
  var list = document.getElementById("notif-list");
  var ASKED = "chatdesk.desktop-asked";
  var newest = 0;   // the newest notification already announced

  function setCount(n) {
    countEl.hidden = n === 0;
    countEl.textContent = n > 99 ? "99+" : String(n);
    menu.dataset.unread = String(n);
    var base = document.title.replace(/^\(\d+\+?\) /, "");
    document.title = (n ? "(" + (n > 99 ? "99+" : n) + ") " : "") + base;
  }

  function beep() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      var ctx = new Ctx(), osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.type = "sine"; osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.001, ctx.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.2, ctx.currentTime + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + 0.3);
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.32);
      osc.onended = function () { ctx.close(); };
    } catch (err) { /* no sound where audio is not allowed */ }
  }

  function canDesktop() {
    return menu.dataset.desktop === "1" && "Notification" in window && Notification.permission === "granted";
  }

  function desktop(latest) {
    if (!canDesktop()) return;
    var n = new Notification("chatdesk", { body: latest.text, tag: "chatdesk-" + latest.id });
    n.onclick = function () { window.focus(); window.location.href = latest.url; };
  }

  function announce(latest) {
    if (menu.dataset.sound === "1") beep();
    desktop(latest);
    document.dispatchEvent(new CustomEvent("chatdesk:notified", { detail: latest }));
  }

  function refresh(live) {
    return fetch(menu.dataset.state, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.json() : null;
    }).then(function (s) {
      if (!s) return;
      setCount(s.unread);
      if (s.latest && s.latest.id > newest) {
        if (live) announce(s.latest);
        newest = s.latest.id;
      }
      if (menu.open) loadList();
    });
  }

  function askButton() {
    var btn = document.getElementById("notif-desktop-ask");
    if (!btn) return;
    btn.hidden = !(menu.dataset.desktop === "1" && "Notification" in window &&
                   Notification.permission === "default" && !localStorage.getItem(ASKED));
  }

  function loadList() {
    if (!window.htmx) return;
    htmx.ajax("GET", menu.dataset.list, { target: "#notif-list", swap: "innerHTML" }).then(askButton);
  }

  menu.addEventListener("toggle", function () { if (menu.open) loadList(); });
  list.addEventListener("click", function (e) {
    if (e.target && e.target.id === "notif-desktop-ask") {   // a click: the one moment a browser lets us ask
      localStorage.setItem(ASKED, "1");
      Notification.requestPermission().then(askButton);
    }
  });
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail && e.detail.target === list) { askButton(); if (e.detail.requestConfig && e.detail.requestConfig.verb === "post") refresh(false); }
  });
  document.addEventListener("chatdesk:notification", function (e) {
    if (String(e.detail.user_id) === ME) refresh(true);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape" && menu.open) menu.open = false;
  });
  refresh(false);
})();
