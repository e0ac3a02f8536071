/* chatdesk composer extras: attachments (several at once, drag and drop, paste) checked against
   the channel's limits before sending, and the emoji picker. The server checks files again
   (policy.check_media); the send itself stays inbox.js's (one htmx form, one send path). */
(function () {
  "use strict";
  var $ = function (sel, root) { return (root || document).querySelector(sel); };

  /* ------------------------------------------------------------ attachments */
  function fileInput() { return $("#composer-file"); }
  function rules() { var i = fileInput(); try { return JSON.parse(i.dataset.rules || "{}"); } catch (e) { return {}; } }
  function say(template, values) { return template.replace(/%\((\w+)\)s/g, function (_, k) { return values[k] == null ? "" : values[k]; }); }
  function sizeText(n) { return n >= 1048576 ? Math.floor(n / 1048576) + " MB" : Math.floor(n / 1024) + " KB"; }

  /* The message type a file goes out as: as conversations/sending.upload_type decides it. */
  function uploadType(mime, r) {
    if (mime.indexOf("image/") === 0 && (r.image_mimes || []).indexOf(mime) >= 0) return "image";
    if (mime.indexOf("video/") === 0) return "video";
    if (mime.indexOf("audio/") === 0) return "audio";
    return "document";
  }
  /* Why ``file`` cannot go out on this channel, or "" when it can. */
  function refusal(file, r) {
    var input = fileInput(), mime = (file.type || "application/octet-stream").split(";")[0].trim().toLowerCase();
    var type = uploadType(mime, r), rule = (r.types || {})[type] || {};
    if (!file.size) return file.name + ": " + input.dataset.empty;
    if (rule.mimes && rule.mimes.length && rule.mimes.indexOf(mime) < 0)
      return file.name + ": " + say(input.dataset.badType, { channel: r.channel, mime: mime, type: type, allowed: rule.mimes.join(", ") });
    if (rule.max && file.size > rule.max)
      return file.name + ": " + say(input.dataset.tooLarge, { channel: r.channel, type: type, size: sizeText(rule.max) });
    return "";
  }
  function showErrors(errors) {
    var box = $("#composer-error"); if (!box) return;
    box.textContent = "";
    if (!errors.length) return;
    var alert = document.createElement("div"); alert.className = "alert error"; alert.setAttribute("role", "alert");
    alert.dataset.code = "media_refused_here";
    errors.forEach(function (text) { var line = document.createElement("span"); line.textContent = text; alert.appendChild(line); });
    box.appendChild(alert);
  }
  /* Keep the files that may go (already chosen ones first), say why the others may not. */
  function attach(files, keep) {
    var input = fileInput(); if (!input) return;
    var r = rules(), dt = new DataTransfer(), errors = [];
    if (keep) Array.prototype.forEach.call(input.files, function (f) { dt.items.add(f); });
    Array.prototype.forEach.call(files, function (f) {
      var why = refusal(f, r);
      if (why) errors.push(why); else dt.items.add(f);
    });
    input.files = dt.files;
    showErrors(errors);
    names();
  }
  function names() {
    var input = fileInput(), label = $("#file-name"); if (!input || !label) return;
    label.textContent = Array.prototype.map.call(input.files, function (f) { return f.name; }).join(", ");
  }
  document.addEventListener("change", function (e) {
    if (e.target.id === "composer-file") { var chosen = Array.prototype.slice.call(e.target.files); attach(chosen, false); }
  });
  function hasFiles(e) { return e.dataTransfer && Array.prototype.indexOf.call(e.dataTransfer.types || [], "Files") >= 0; }
  function dropZone(e) { return e.target.closest && e.target.closest(".composer-wrap, .thread-col"); }
  var dragDepth = 0;
  document.addEventListener("dragenter", function (e) {
    if (!hasFiles(e) || !dropZone(e) || !fileInput()) return;
    dragDepth++; $("#drop-hint").hidden = false;
  });
  document.addEventListener("dragleave", function (e) {
    if (!hasFiles(e) || !dropZone(e)) return;
    dragDepth = Math.max(0, dragDepth - 1); if (!dragDepth) $("#drop-hint").hidden = true;
  });
  document.addEventListener("dragover", function (e) { if (hasFiles(e) && dropZone(e) && fileInput()) e.preventDefault(); });
  document.addEventListener("drop", function (e) {
    if (!hasFiles(e) || !dropZone(e) || !fileInput()) return;
    e.preventDefault(); dragDepth = 0; $("#drop-hint").hidden = true;
    attach(e.dataTransfer.files, true);
    var ta = $("#composer-text"); if (ta) ta.focus();
  });
  document.addEventListener("paste", function (e) {
    if (!e.target || e.target.id !== "composer-text" || !e.clipboardData || !e.clipboardData.files.length) return;
    e.preventDefault();  // a pasted screenshot becomes an attachment, not text
    attach(e.clipboardData.files, true);
  });

  /* ------------------------------------------------------------ emoji picker */
  var COLUMNS = 8;
  function pop() { return $("#emoji-pop"); }
  function openEmoji() {
    var p = pop(), btn = $("#emoji-btn"); if (!p) return;
    if (!p.firstChild) {
      (window.CHATDESK_EMOJI || []).forEach(function (row) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "emoji"; b.textContent = row[0]; b.title = row[1];
        b.setAttribute("aria-label", row[1]); b.dataset.emoji = row[0]; b.tabIndex = -1;
        p.appendChild(b);
      });
    }
    p.hidden = false; btn.setAttribute("aria-expanded", "true");
    var first = p.querySelector(".emoji"); if (first) { first.tabIndex = 0; first.focus(); }
  }
  function closeEmoji(focusButton) {
    var p = pop(), btn = $("#emoji-btn"); if (!p || p.hidden) return;
    p.hidden = true; btn.setAttribute("aria-expanded", "false");
    if (focusButton) btn.focus();
  }
  function insert(text) {
    var ta = $("#composer-text"); if (!ta) return;
    var start = ta.selectionStart == null ? ta.value.length : ta.selectionStart, end = ta.selectionEnd == null ? start : ta.selectionEnd;
    ta.value = ta.value.slice(0, start) + text + ta.value.slice(end);
    ta.focus(); ta.selectionStart = ta.selectionEnd = start + text.length;
    ta.dispatchEvent(new Event("input", { bubbles: true }));
  }
  document.addEventListener("click", function (e) {
    if (e.target.closest("#emoji-btn")) { if (pop().hidden) openEmoji(); else closeEmoji(false); return; }
    var em = e.target.closest("#emoji-pop .emoji");
    if (em) { closeEmoji(false); insert(em.dataset.emoji); return; }
    if (pop() && !pop().hidden && !e.target.closest("#emoji-pop")) closeEmoji(false);
  });
  document.addEventListener("keydown", function (e) {
    var em = e.target.closest && e.target.closest("#emoji-pop .emoji"); if (!em) return;
    var all = Array.prototype.slice.call(pop().querySelectorAll(".emoji")), i = all.indexOf(em), next = i;
    if (e.key === "ArrowRight") next = i + 1;
    else if (e.key === "ArrowLeft") next = i - 1;
    else if (e.key === "ArrowDown") next = i + COLUMNS;
    else if (e.key === "ArrowUp") next = i - COLUMNS;
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = all.length - 1;
    else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); closeEmoji(true); return; }
    else if (e.key === "Tab") { closeEmoji(false); return; }
    else return;   // Enter and Space click the focused button
    e.preventDefault();
    next = Math.max(0, Math.min(all.length - 1, next));
    em.tabIndex = -1; all[next].tabIndex = 0; all[next].focus();
  });
})();
