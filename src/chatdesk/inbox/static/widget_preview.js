/* Settings → web chat: the preview follows the look form as the admin changes it (before saving),
   in the widget's own words for the chosen language. Styles go through the CSSOM: the page's
   Content-Security-Policy allows no inline style attributes. */
(function () {
  "use strict";
  function init() {
    var box = document.getElementById("widget-preview");
    var form = document.getElementById("widget-look");
    if (!box || !form) return;
    var strings = JSON.parse(box.dataset.strings || "{}");
    var greeting = document.getElementById("wp-greeting");
    var prechat = document.getElementById("wp-prechat");
    var compose = document.getElementById("wp-compose");

    function value(name, fallback) {
      var input = form.elements[name];
      if (!input) return fallback;
      if (input.type === "checkbox") return input.checked;
      return input.value;
    }
    function render() {
      var colour = value("colour", box.dataset.colour);
      if (/^#[0-9a-fA-F]{6}$/.test(colour)) box.style.setProperty("--wp-colour", colour);
      var position = value("position", box.dataset.position) === "left" ? "left" : "right";
      box.classList.toggle("wp-left", position === "left");
      var lang = value("language", box.dataset.language);
      if (lang === "browser") lang = box.dataset.browser;
      var t = strings[lang] || strings.en || {};
      box.querySelectorAll("[data-t]").forEach(function (el) { el.textContent = t[el.dataset.t] || ""; });
      var text = String(value("greeting", "") || "").trim();
      greeting.textContent = text;
      greeting.hidden = !text;
      var asks = value("prechat", box.dataset.prechat === "true");
      prechat.hidden = !asks;
      compose.hidden = !!asks;
    }
    form.addEventListener("input", render);
    form.addEventListener("change", render);
    render();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
