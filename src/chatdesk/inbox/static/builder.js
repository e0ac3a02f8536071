/* The composer's builder of a list or reply buttons: fields with live counters and the
   channel's limits (#builder's data-limits, the numbers the API checks), refused in place (the
   11th row is not added); sent as JSON in the composer's "interactive" field, so it takes the
   composer's one send path, and the server's field errors are marked on the fields. */
(function () {
  "use strict";
  var $ = function (s, r) { return (r || document).querySelector(s); };
  var $$ = function (s, r) { return Array.prototype.slice.call((r || document).querySelectorAll(s)); };
  var serial = 0;

  function b() { return $("#builder"); }
  function limits() { return JSON.parse(b().dataset.limits); }
  function say(key, n) { return (b().dataset[key] || "").replace("{n}", n); }
  function isOpen() { var el = b(); return !!el && !el.hidden; }
  function limitOf(el) {
    var key = el.dataset.limit, l = limits();
    return key === "body" ? (l.body_max[b().dataset.kind] || 1024) : l[key];
  }

  function field(label, path, limit, required, multiline) {
    var wrap = document.createElement("label"); wrap.className = "bf";
    wrap.appendChild(document.createTextNode(label + " "));
    var input = document.createElement(multiline ? "textarea" : "input");
    input.dataset.path = path; input.dataset.limit = limit;
    if (required) input.dataset.required = "1";
    wrap.appendChild(input); decorate(input);
    return wrap;
  }
  function decorate(input) {   // the counter and the error line after a field
    if (input.nextElementSibling && input.nextElementSibling.classList.contains("count")) return;
    var count = document.createElement("span"); count.className = "count";
    var err = document.createElement("span"); err.className = "ferr";
    input.after(count, err); update(input);
  }
  function update(input) {
    var n = input.value.length, max = limitOf(input), err = input.parentNode.querySelector(".ferr");
    input.parentNode.querySelector(".count").textContent = n + "/" + max;
    var msg = n > max ? say("msgLong", max) : "";
    input.classList.toggle("over", n > max);
    err.textContent = msg;
    return !msg;
  }
  function error(msg) { $(".builder-error", b()).textContent = msg || ""; }

  function removable(node) {
    var x = document.createElement("button"); x.type = "button"; x.className = "bremove";
    x.textContent = "×"; x.setAttribute("aria-label", b().dataset.lRemove);
    x.addEventListener("click", function () { node.remove(); error(""); });
    node.appendChild(x);
  }
  function addSection() {
    var box = $(".builder-sections", b());
    if (box.children.length >= limits().sections_max) { error(say("msgSections", limits().sections_max)); return; }
    var sec = document.createElement("fieldset"); sec.className = "bsection";
    sec.appendChild(field(b().dataset.lSection, "", "section_title_max", false));
    var rows = document.createElement("div"); rows.className = "brows"; sec.appendChild(rows);
    var add = document.createElement("button"); add.type = "button"; add.className = "btn"; add.dataset.add = "row";
    add.textContent = b().dataset.lAddRow; sec.appendChild(add);
    if (box.children.length) removable(sec);
    box.appendChild(sec); addRow(sec);
  }
  function addRow(sec) {
    var most = limits().rows_max;
    if ($$(".brow", b()).length >= most) { error(say("msgRows", most)); return; }   // all sections together
    error("");
    var row = document.createElement("div"); row.className = "brow"; row.dataset.id = "row-" + (++serial);
    row.appendChild(field(b().dataset.lRow, "", "row_title_max", true));
    row.appendChild(field(b().dataset.lDescription, "", "row_description_max", false));
    if ($(".brows", sec).children.length) removable(row);
    $(".brows", sec).appendChild(row);
    $("input", row).focus();
  }
  function addButton() {
    var box = $(".builder-buttons", b()), most = limits().buttons_max;
    if (box.children.length >= most) { error(say("msgButtons", most)); return; }
    error("");
    var btn = document.createElement("div"); btn.className = "bbutton"; btn.dataset.id = "button-" + (++serial);
    btn.appendChild(field(b().dataset.lButtonTitle, "", "button_title_max", true));
    if (box.children.length) removable(btn);
    box.appendChild(btn);
  }

  function open(kind) {
    var el = b(); el.hidden = false; el.dataset.kind = kind;
    $(".builder-title", el).textContent = el.dataset[kind === "list" ? "titleList" : "titleButtons"];
    $$(".builder-sections, .builder-buttons", el).forEach(function (n) { n.innerHTML = ""; });
    $$(".bf-grid input, .bf-grid textarea", el).forEach(function (i) { i.value = ""; decorate(i); update(i); });
    $$(".only-list", el).forEach(function (n) { n.hidden = kind !== "list"; });
    $$(".only-buttons", el).forEach(function (n) { n.hidden = kind !== "buttons"; });
    if (kind === "list") addSection(); else addButton();
    $("input[name=interactive]", el).disabled = false;
    $("#composer-text").hidden = true; error("");
    $("[data-path=text]", el).focus();
  }
  function close() {
    var el = b(); if (!el) return;
    el.hidden = true; $("input[name=interactive]", el).disabled = true; $("input[name=interactive]", el).value = "";
    var ta = $("#composer-text"); if (ta) ta.hidden = false;
  }

  function value(node, limit) { var i = $("[data-limit=" + limit + "]", node); return i && i.value.trim() ? i.value : null; }
  function collect() {   // the API's request shape; paths named as the API names the fields
    var el = b(), kind = el.dataset.kind, out = {type: kind};
    $$(".bf-grid [data-path]", el).forEach(function (i) { if (i.value.trim() && !i.closest("[hidden]")) out[i.dataset.path] = i.value; });
    if (kind === "list") {
      out.sections = $$(".bsection", el).map(function (sec, s) {
        $("[data-limit=section_title_max]", sec).dataset.path = "sections[" + s + "].title";
        return {title: value(sec, "section_title_max"), rows: $$(".brow", sec).map(function (row, r) {
          $("[data-limit=row_title_max]", row).dataset.path = "sections[" + s + "].rows[" + r + "].title";
          $("[data-limit=row_description_max]", row).dataset.path = "sections[" + s + "].rows[" + r + "].description";
          return {id: row.dataset.id, title: value(row, "row_title_max"), description: value(row, "row_description_max")};
        })};
      });
    } else {
      out.buttons = $$(".bbutton", el).map(function (btn, i) {
        $("[data-limit=button_title_max]", btn).dataset.path = "buttons[" + i + "].title";
        return {id: btn.dataset.id, title: value(btn, "button_title_max")};
      });
    }
    return out;
  }
  function valid() {
    var ok = true;
    $$("[data-limit]", b()).forEach(function (i) {
      if (i.closest("[hidden]")) return;
      var fine = update(i);
      if (fine && i.dataset.required && !i.value.trim()) { i.parentNode.querySelector(".ferr").textContent = b().dataset.msgRequired; fine = false; }
      i.classList.toggle("over", !fine); ok = ok && fine;
    });
    return ok;
  }

  document.addEventListener("click", function (e) {
    var opener = e.target.closest(".builder-open"); if (opener) { open(opener.dataset.builder); return; }
    if (e.target.closest(".builder-close")) { close(); return; }
    var add = e.target.closest("#builder [data-add]");
    if (add) {
      if (add.dataset.add === "section") addSection();
      else if (add.dataset.add === "row") addRow(add.closest(".bsection"));
      else addButton();
    }
  });
  document.addEventListener("input", function (e) { if (e.target.closest("#builder") && e.target.dataset.limit) update(e.target); });
  // capture: before htmx reads the form, the builder's message goes into "interactive" (or stays)
  document.addEventListener("submit", function (e) {
    if (!e.target || e.target.id !== "composer" || !isOpen()) return;
    var data = collect();
    if (!valid()) { error(b().dataset.msgFix); e.preventDefault(); e.stopImmediatePropagation(); return; }
    $("input[name=interactive]", b()).value = JSON.stringify(data);
  }, true);
  document.addEventListener("htmx:afterRequest", function (e) {
    if (!e.detail.elt || e.detail.elt.id !== "composer" || !isOpen()) return;
    if (e.detail.xhr.status === 200) { close(); return; }
    $$("#composer-error [data-field]").forEach(function (li) {   // the server's field errors, on the fields
      var input = $('#builder [data-path="' + li.dataset.field + '"]');
      if (input) { input.classList.add("over"); input.parentNode.querySelector(".ferr").textContent = li.textContent; }
    });
  });
})();
