/* chatdesk thread scrolling: a conversation opens at its newest message and stays there while
   images load (they grow the thread after the first scroll), unless the agent scrolled up; then
   messages that arrive show a "new messages ↓" marker instead of moving the thread. */
(function () {
  "use strict";
  var stuck = true;          // following the newest message
  var watched = null;
  var $ = function (id) { return document.getElementById(id); };
  function atBottom(t) { return t.scrollHeight - t.scrollTop - t.clientHeight < 48; }
  function bottom() { var t = $("thread"); if (t) t.scrollTop = t.scrollHeight; }
  function marker(show) { var m = $("new-below"); if (m) m.hidden = !show; }

  var grown = window.ResizeObserver ? new ResizeObserver(function () { if (stuck) bottom(); }) : null;
  var added = new MutationObserver(function (records) {
    var fresh = records.some(function (r) {
      return Array.prototype.some.call(r.addedNodes, function (n) { return n.classList && n.classList.contains("msg"); });
    });
    if (!fresh) return;
    if (stuck) bottom(); else marker(true);
  });
  /* A conversation was swapped in (or the page loaded with one): follow its newest message. */
  function watch() {
    var box = $("messages");
    if (!box || box === watched) return;
    watched = box; stuck = true; marker(false);
    if (grown) { grown.disconnect(); grown.observe(box); }
    added.disconnect(); added.observe(box, { childList: true });
    bottom();
  }
  document.addEventListener("scroll", function (e) {
    if (e.target.id !== "thread") return;
    stuck = atBottom(e.target);
    if (stuck) marker(false);
  }, true);
  document.addEventListener("load", function (e) {   // an image in the thread finished loading
    if (stuck && e.target.tagName === "IMG" && e.target.closest && e.target.closest("#thread")) bottom();
  }, true);
  document.addEventListener("click", function (e) {
    if (e.target.closest && e.target.closest("#new-below")) { stuck = true; bottom(); marker(false); }
  });
  document.addEventListener("htmx:afterSwap", watch);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch); else watch();
})();
