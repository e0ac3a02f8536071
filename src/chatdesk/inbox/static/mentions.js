/* chatdesk @mentions in notes (issue 16): typing "@" in the note composer opens the workspace's
   agents (#mention-menu, rendered with the composer), filtered as you type; arrows, Enter/Tab
   and Escape work it. A pick inserts "@Display Name" and its id goes in the hidden "mentions"
   field, kept only while that name is still in the text. Delegated: the composer is swapped. */
(function () {
  "use strict";
  var picked = {};   // id -> name
  var $ = function (s) { return document.querySelector(s); };
  var options = function () { return Array.prototype.slice.call(document.querySelectorAll("#mention-menu .mention-option")); };

  function noteMode() { var f = $("#composer"); return f && f.dataset.mode === "note"; }
  function typed(ta) {   // the "@query" just before the caret, if any
    var upto = ta.value.slice(0, ta.selectionStart);
    var m = /(^|\s)@([^@\n]{0,40})$/.exec(upto);
    return m ? { at: upto.length - m[2].length - 1, q: m[2].toLowerCase() } : null;
  }
  function visible() { return options().filter(function (o) { return !o.hidden; }); }
  function close() {
    var menu = $("#mention-menu"), ta = $("#composer-text");
    if (menu) menu.hidden = true;
    if (ta) { ta.removeAttribute("aria-activedescendant"); ta.setAttribute("aria-expanded", "false"); }
  }
  function activate(o) {
    options().forEach(function (x) { x.setAttribute("aria-selected", x === o ? "true" : "false"); });
    var ta = $("#composer-text");
    if (o && ta) { ta.setAttribute("aria-activedescendant", o.id); o.scrollIntoView({ block: "nearest" }); }
  }
  function update(ta) {
    var menu = $("#mention-menu"), t = typed(ta);
    if (!menu || !noteMode() || !t) { close(); return; }
    options().forEach(function (o) {
      var name = o.dataset.name.toLowerCase();
      o.hidden = !(name.indexOf(t.q) === 0 || name.indexOf(" " + t.q) >= 0);
    });
    var shown = visible();
    menu.hidden = shown.length === 0;
    ta.setAttribute("aria-expanded", shown.length ? "true" : "false");
    ta.setAttribute("aria-controls", "mention-menu");
    if (shown.length) activate(shown[0]);
  }
  function sync() {
    var ta = $("#composer-text"), field = $("#composer-mentions");
    if (!ta || !field) return;
    field.value = Object.keys(picked).filter(function (id) { return ta.value.indexOf("@" + picked[id]) >= 0; }).join(",");
  }
  function pick(o) {
    var ta = $("#composer-text"), t = ta && typed(ta);
    if (!t) return;
    var insert = "@" + o.dataset.name + " ";
    ta.value = ta.value.slice(0, t.at) + insert + ta.value.slice(ta.selectionStart);
    var caret = t.at + insert.length;
    ta.setSelectionRange(caret, caret);
    picked[o.dataset.id] = o.dataset.name;
    close(); sync(); ta.focus();
  }

  document.addEventListener("input", function (e) {
    if (e.target && e.target.id === "composer-text") {
      if (!e.target.value) picked = {};
      update(e.target); sync();
    }
  });
  document.addEventListener("keydown", function (e) {   // capture: before the composer's Enter sends
    var menu = $("#mention-menu");
    if (!e.target || e.target.id !== "composer-text" || !menu || menu.hidden) return;
    var shown = visible(), cur = shown.filter(function (o) { return o.getAttribute("aria-selected") === "true"; })[0];
    var i = shown.indexOf(cur);
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault(); e.stopImmediatePropagation();
      activate(shown[(i + (e.key === "ArrowDown" ? 1 : -1) + shown.length) % shown.length]);
    } else if ((e.key === "Enter" || e.key === "Tab") && cur) {
      e.preventDefault(); e.stopImmediatePropagation(); pick(cur);
    } else if (e.key === "Escape") {
      e.preventDefault(); e.stopImmediatePropagation(); close();
    }
  }, true);
  document.addEventListener("mousedown", function (e) {
    var o = e.target && e.target.closest && e.target.closest(".mention-option");
    if (o) { e.preventDefault(); pick(o); }
  });
  document.addEventListener("htmx:afterRequest", function (e) {   // a sent note: start afresh
    if (e.detail && e.detail.elt && e.detail.elt.id === "composer" && e.detail.successful) { picked = {}; sync(); close(); }
  });
})();
