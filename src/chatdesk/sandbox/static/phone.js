// The sandbox phone: play a customer. Polls the control API and renders the chat.
// Every string from the API is rendered with textContent / createElement, never as HTML.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const phone = $("phone");
  const state = { waId: phone.dataset.selected, number: phone.dataset.number, last: "", platform: "whatsapp", userId: null, customers: new Map() };

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function showError(message) {
    const box = $("error");
    box.textContent = message || "";
    box.hidden = !message;
  }

  async function api(path, body) {
    const options = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    };
    const response = await fetch(path, options);
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(typeof data.detail === "string" ? data.detail : response.statusText);
    return data;
  }

  function currentNumber() {
    const select = $("number");
    return select ? select.value : state.number;
  }

  function socialPath() {
    return `/_sandbox/${state.platform}/users/${encodeURIComponent(state.userId)}`;
  }

  async function customerSends(spec) {
    if (!state.waId) return;
    showError("");
    if (state.platform !== "whatsapp") {
      try {
        await api(`${socialPath()}/messages`, socialSpec(spec));
        await poll(true);
      } catch (err) {
        showError(`Could not send: ${err.message}`);
      }
      return;
    }
    const number = currentNumber();
    if (number) spec.phone_number_id = number;
    try {
      await api(`/_sandbox/customers/${encodeURIComponent(state.waId)}/messages`, spec);
      await poll(true);
    } catch (err) {
      showError(`Could not send: ${err.message}`);
    }
  }

  function clock(iso) {
    const when = new Date(iso);
    return isNaN(when) ? "" : when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // ------------------------------------------------------------------ business messages (left)

  function mediaLine(kind, media) {
    const icons = { image: "Photo", video: "Video", audio: "Audio", document: "Document", sticker: "Sticker" };
    const box = el("div");
    box.append(el("span", "media", media && media.filename ? `Document: ${media.filename}` : icons[kind] || kind));
    if (media && media.caption) box.append(el("div", "", media.caption));
    return box;
  }

  function actionButton(label, onClick) {
    const button = el("button", "", label);
    button.type = "button";
    button.addEventListener("click", onClick);
    return button;
  }

  function openPicker(title, sections, onPick) {
    const rows = $("picker-rows");
    rows.replaceChildren();
    $("picker-title").textContent = title;
    for (const section of sections) {
      if (section.title) rows.append(el("div", "section", section.title));
      for (const row of section.rows || []) {
        const button = el("button", "row", row.title);
        button.type = "button";
        if (row.description) button.append(el("small", "", row.description));
        button.addEventListener("click", () => { $("picker").hidden = true; onPick(row); });
        rows.append(button);
      }
    }
    $("picker").hidden = false;
  }

  function interactiveContent(rec, box) {
    const ia = rec.request.interactive || {};
    if (ia.header && ia.header.type === "text") box.append(el("div", "head", ia.header.text));
    else if (ia.header) box.append(mediaLine(ia.header.type, ia.header[ia.header.type]));
    box.append(el("div", "", (ia.body || {}).text));
    if (ia.footer) box.append(el("div", "foot", ia.footer.text));
    const actions = el("div", "actions");
    const action = ia.action || {};
    const context = { context_message_id: rec.wamid };
    if (ia.type === "list") {
      actions.append(actionButton(`${action.button || "Choose"}`, () => openPicker(
        action.button || "Choose", action.sections || [],
        (row) => customerSends({ type: "list_reply", id: row.id, title: row.title, description: row.description, ...context }))));
    } else if (ia.type === "button") {
      for (const b of action.buttons || []) {
        const reply = b.reply || {};
        actions.append(actionButton(reply.title, () => customerSends({ type: "button_reply", id: reply.id, title: reply.title, ...context })));
      }
    } else if (ia.type === "cta_url" && action.parameters) {
      const link = el("a", "", `${action.parameters.display_text}`);
      if (/^https?:\/\//i.test(action.parameters.url || "")) link.setAttribute("href", action.parameters.url);
      link.setAttribute("target", "_blank");
      link.setAttribute("rel", "noopener noreferrer");
      actions.append(link);
    }
    if (actions.childNodes.length) box.append(actions);
  }

  function templateContent(rec, box) {
    const t = rec.request.template || {};
    box.append(el("div", "", rec.template_text || `[template ${t.name || ""}]`));
    const buttons = rec.template_buttons || [];
    if (!buttons.length) return;
    const actions = el("div", "actions");
    for (const b of buttons) {
      actions.append(actionButton(b.title, () => customerSends({ type: "template_button", payload: b.payload, title: b.title, context_message_id: rec.wamid })));
    }
    box.append(actions);
  }

  function businessBubble(rec) {
    const box = el("div", "msg in");
    const r = rec.request;
    if (rec.type === "text") box.append(el("div", "", (r.text || {}).body));
    else if (["image", "video", "audio", "document", "sticker"].includes(rec.type)) box.append(mediaLine(rec.type, r[rec.type]));
    else if (rec.type === "interactive") interactiveContent(rec, box);
    else if (rec.type === "template") templateContent(rec, box);
    else if (rec.type === "location") box.append(el("div", "", `Location: ${[r.location.name, r.location.address].filter(Boolean).join(", ") || `${r.location.latitude}, ${r.location.longitude}`}`));
    else if (rec.type === "reaction") box.append(el("span", "media", r.reaction.emoji ? `reacted ${r.reaction.emoji}` : "removed a reaction"));
    else if (rec.type === "contacts") box.append(el("div", "", `Contact: ${(r.contacts || []).map((c) => (c.name || {}).formatted_name).join(", ")}`));
    else box.append(el("span", "media", `[${rec.type}]`));
    box.append(el("span", "meta", clock(rec.accepted_at)));
    return box;
  }

  // ------------------------------------------------------------------ customer messages (right)

  function customerText(m) {
    const ia = m.interactive || {};
    switch (m.type) {
      case "text": return (m.text || {}).body;
      case "interactive": return (ia.list_reply || ia.button_reply || {}).title || ia.type;
      case "button": return (m.button || {}).text;
      case "location": return `Location: ${[m.location.name, m.location.address].filter(Boolean).join(", ") || "Location"}`;
      case "reaction": return m.reaction.emoji ? `reacted ${m.reaction.emoji}` : "removed a reaction";
      case "contacts": return `Contact: ${(m.contacts || []).map((c) => (c.name || {}).formatted_name).join(", ")}`;
      case "order": return `Order (${(m.order.product_items || []).length} items)`;
      default: return null;
    }
  }

  function businessSnippet(rec) {
    const r = rec.request;
    const text = rec.type === "text" ? (r.text || {}).body
      : rec.type === "interactive" ? ((r.interactive || {}).body || {}).text
      : rec.type === "template" ? rec.template_text : (r[rec.type] || {}).caption;
    const line = text || `[${rec.type}]`;
    return line.length > 80 ? `${line.slice(0, 79)}…` : line;
  }

  function customerBubble(rec, quotes) {
    const m = rec.message;
    const box = el("div", "msg out");
    if (m.context && m.context.id) box.append(el("div", "quote", quotes.get(m.context.id) || "↩ reply"));
    const media = m[m.type];
    if (["image", "video", "audio", "document", "sticker"].includes(m.type)) box.append(mediaLine(m.type, media));
    else box.append(el("div", "", customerText(m) ?? `[${m.type}]`));
    const meta = el("span", "meta", clock(rec.time));
    const ticks = el("span", rec.read_by_business ? "ticks read" : "ticks", rec.read_by_business ? "✓✓" : "✓");
    ticks.title = rec.read_by_business ? "Read by the business" : "Sent";
    meta.append(ticks);
    box.append(meta);
    return box;
  }

  // ------------------------------------------------------------------ Messenger / Instagram

  function socialSpec(spec) {
    // The composer's WhatsApp kinds, as Messenger / Instagram events.
    if (spec.type === "location") return { type: "text", text: `📍 ${spec.name}, ${spec.address}` };
    if (spec.type === "image") return { type: "image" };
    return spec;
  }

  function socialBusinessBubble(rec) {
    const box = el("div", "msg in");
    const m = rec.message || {};
    const attachment = m.attachment || {};
    const payload = attachment.payload || {};
    if (m.text) box.append(el("div", "", m.text));
    if (attachment.type === "template") {
      box.append(el("div", "", payload.text || (payload.elements || []).map((e) => e.title).join(" · ")));
      const actions = el("div", "actions");
      for (const b of payload.buttons || []) {
        if (b.type === "web_url" && /^https?:\/\//i.test(b.url || "")) {
          const link = el("a", "", `🔗 ${b.title}`);
          link.setAttribute("href", b.url);
          link.setAttribute("target", "_blank");
          link.setAttribute("rel", "noopener noreferrer");
          actions.append(link);
        } else {
          actions.append(actionButton(b.title, () => customerSends({ type: "postback", title: b.title, payload: String(b.payload || "") })));
        }
      }
      box.append(actions);
    } else if (attachment.type) {
      box.append(mediaLine(attachment.type === "file" ? "document" : attachment.type, null));
    }
    const replies = (m.quick_replies || []).filter((q) => q.content_type === "text");
    if (replies.length) {
      const actions = el("div", "actions quick");
      for (const q of replies) {
        // The apps cut quick-reply titles at 20 characters.
        const title = q.title.length > 20 ? `${q.title.slice(0, 20)}…` : q.title;
        actions.append(actionButton(title, () => customerSends({ type: "quick_reply", title: q.title, payload: String(q.payload) })));
      }
      box.append(actions);
    }
    const meta = el("span", "meta", clock(rec.accepted_at));
    if (rec.tag) meta.append(el("span", "", ` · ${rec.tag}`));
    box.append(meta);
    return box;
  }

  function socialCustomerText(rec) {
    const e = rec.event || {};
    const m = e.message || {};
    if (e.postback) return `▶ ${e.postback.title}`;
    if (e.reaction) return e.reaction.action === "unreact" ? "removed a reaction" : `reacted ${e.reaction.emoji}`;
    const first = (m.attachments || [])[0];
    if (first && first.type === "story_mention") return "📣 mentioned you in their story";
    if (m.reply_to && m.reply_to.story) return `↩ story: ${m.text}`;
    if (m.text) return m.text;
    if (first) return { image: "📷 Photo", video: "🎥 Video", audio: "🎤 Audio", file: "📄 File" }[first.type] || `🔗 ${first.type}`;
    return `[${rec.kind}]`;
  }

  function socialCustomerBubble(rec) {
    const box = el("div", "msg out");
    box.append(el("div", "", socialCustomerText(rec)));
    const meta = el("span", "meta", clock(rec.time));
    const ticks = el("span", rec.read_by_business ? "ticks read" : "ticks", rec.read_by_business ? "✓✓" : "✓");
    meta.append(ticks);
    box.append(meta);
    return box;
  }

  function renderSocial(inbox) {
    const items = [
      ...inbox.received.map((rec) => ({ seq: rec.seq, node: () => socialBusinessBubble(rec) })),
      ...inbox.sent.map((rec) => ({ seq: rec.seq, node: () => socialCustomerBubble(rec) })),
    ].sort((a, b) => a.seq - b.seq);
    const chat = $("chat");
    chat.replaceChildren(...items.map((item) => item.node()));
    if (!items.length) chat.append(el("p", "notice", `No ${state.platform === "messenger" ? "Messenger" : "Instagram"} messages yet. Say hello!`));
    chat.scrollTop = chat.scrollHeight;
    const u = inbox.user;
    $("avatar").textContent = (u.first_name || "?").charAt(0).toUpperCase();
    $("subtitle").textContent = `${state.platform === "messenger" ? "Messenger" : "Instagram"} · ${u.username ? `@${u.username} · ` : ""}id ${u.id}`;
  }

  async function switchPlatform(platform) {
    const answer = await api(`/_sandbox/customers/${encodeURIComponent(state.waId)}/platform`, { platform });
    state.platform = platform;
    state.userId = answer.user ? answer.user.id : null;
    state.last = "";
    $("platform").value = platform;
    phone.dataset.platform = platform;
    await poll(true);
  }

  // ------------------------------------------------------------------ polling and rendering

  function render(inbox) {
    const quotes = new Map(inbox.received.map((rec) => [rec.wamid, businessSnippet(rec)]));
    const items = [
      ...inbox.received.map((rec) => ({ seq: rec.seq, node: () => businessBubble(rec) })),
      ...inbox.sent.map((rec) => ({ seq: rec.seq, node: () => customerBubble(rec, quotes) })),
    ].sort((a, b) => a.seq - b.seq);
    const chat = $("chat");
    const atBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 40;
    chat.replaceChildren(...items.map((item) => item.node()));
    if (!items.length) chat.append(el("p", "notice", "No messages yet. Say hello!"));
    if (atBottom) chat.scrollTop = chat.scrollHeight;
    const c = inbox.customer;
    $("avatar").textContent = (c.name || "?").replace(/^\+/, "").charAt(0).toUpperCase();
    const ids = [c.username, c.wa_id ? null : "no phone number"].filter(Boolean).join(" · ");
    $("subtitle").textContent = `${c.persona ? "persona" : "customer"} · ${c.language}${ids ? ` · ${ids}` : ""}${c.read_receipts ? "" : " · read receipts off"}`;
  }

  async function poll(force) {
    if (!state.waId) return;
    try {
      const social = state.platform !== "whatsapp" && state.userId;
      const inbox = await api(social ? `${socialPath()}/inbox` : `/_sandbox/customers/${encodeURIComponent(state.waId)}/inbox`);
      const signature = JSON.stringify(inbox);
      if (force || signature !== state.last) { state.last = signature; (social ? renderSocial : render)(inbox); }
    } catch (err) {
      showError(`Sandbox unreachable: ${err.message}`);
    }
  }

  async function refreshCustomers() {
    const data = await api("/_sandbox/customers");
    const select = $("customer");
    state.customers = new Map(data.customers.map((c) => [c.key, c]));
    select.replaceChildren(...data.customers.map((c) => {
      const option = el("option", "", `${c.name} (${c.handle})`);
      option.value = c.key;
      option.selected = c.key === state.waId;
      return option;
    }));
  }

  function followCustomer() {
    // The switch shows where this customer writes now (each customer has their own).
    const c = state.customers.get(state.waId) || {};
    state.platform = c.platform || "whatsapp";
    state.userId = c.platform_user_id || null;
    $("platform").value = state.platform;
    phone.dataset.platform = state.platform;
  }

  $("platform").addEventListener("change", (event) => {
    switchPlatform(event.target.value).catch((err) => showError(`Could not switch: ${err.message}`));
  });

  $("customer").addEventListener("change", (event) => {
    state.waId = event.target.value;
    followCustomer();
    state.last = "";
    $("picker").hidden = true;
    history.replaceState(null, "", `/phone?wa_id=${encodeURIComponent(state.waId)}`);
    poll(true);
  });

  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $("message");
    const body = input.value.trim();
    if (!body) return;
    input.value = "";
    customerSends({ type: "text", text: body });
  });

  $("attach-photo").addEventListener("click", () => {
    const caption = $("message").value.trim();
    $("message").value = "";
    customerSends(caption ? { type: "image", caption } : { type: "image" });
  });

  $("attach-location").addEventListener("click", () => customerSends({
    type: "location", latitude: 52.3731, longitude: 4.8926, name: "Dam Square", address: "Dam, 1012 JS Amsterdam",
  }));

  $("picker-close").addEventListener("click", () => { $("picker").hidden = true; });

  $("new-toggle").addEventListener("click", () => {
    const form = $("new-customer");
    form.hidden = !form.hidden;
    $("new-toggle").setAttribute("aria-expanded", String(!form.hidden));
  });

  $("new-customer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const waId = form.wa_id.value.replace(/\D/g, "");
    try {
      await api("/_sandbox/customers", { wa_id: waId, name: form.name.value.trim(), language: form.language.value });
      state.waId = waId;
      form.reset();
      form.hidden = true;
      await refreshCustomers();
      await poll(true);
    } catch (err) {
      showError(`Could not add customer: ${err.message}`);
    }
  });

  refreshCustomers().then(followCustomer).catch(() => {}).finally(() => poll(true));
  setInterval(poll, 1000);
  setInterval(() => refreshCustomers().catch(() => {}), 5000);
})();
