// A conversation's page. Messages arrive over the socket, each with the conversation's
// sequence number: a message already shown is skipped, and a socket that reopens or a
// push that skips a number makes the page fetch what it has not shown, so no message is
// missing on screen. Reading the page tells the other side; typing is shown to them.
(function () {
  var page = document.getElementById("chat-page");
  if (!page) return;
  var id = page.dataset.conversation;
  var list = document.getElementById("chat-" + id + "-messages");
  var scroller = document.getElementById("chat-scroll");
  var canWrite = page.dataset.canWrite === "1";

  function shownSeq() {
    var seqs = Array.from(document.querySelectorAll("#chat-scroll [data-seq]")).map(function (el) { return parseInt(el.dataset.seq, 10) || 0; });
    return seqs.length ? Math.max.apply(null, seqs) : 0;
  }

  function nearBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 160; }
  function toBottom() { scroller.scrollTop = scroller.scrollHeight; }

  // Messages in the list stay in order and appear once, however they arrived.
  function tidy() {
    var seen = {};
    document.querySelectorAll("#chat-scroll > [data-seq]").forEach(function (el) { seen[el.id] = true; });
    Array.from(list.children).forEach(function (el) {
      if (el.id && seen[el.id]) el.remove();
      else seen[el.id] = true;
    });
    Array.from(list.children)
      .sort(function (a, b) { return (parseInt(a.dataset.seq, 10) || 0) - (parseInt(b.dataset.seq, 10) || 0); })
      .forEach(function (el) { list.appendChild(el); });
    var empty = document.querySelector(".chat-empty");
    if (empty && list.children.length) empty.remove();
    applyRead();
    markRead();
  }

  var fetching = false;
  function fetchMissed() {
    if (fetching) return;
    fetching = true;
    var url = page.dataset.sinceUrl + "?after=" + shownSeq();
    fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        var template = document.createElement("template");
        template.innerHTML = html;
        Array.from(template.content.children).forEach(function (el) {
          if (!el.id || !document.getElementById(el.id)) { list.appendChild(el); htmx.process(el); }
        });
        var stick = nearBottom();
        tidy();
        if (stick) toBottom();
      })
      .finally(function () { fetching = false; });
  }

  var readTimer = null;
  function markRead() {
    if (!canWrite || document.visibilityState !== "visible") return;
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
      fetch(page.dataset.readUrl, { method: "POST", headers: { "X-CSRFToken": token, "HX-Request": "true" }, credentials: "same-origin" });
    }, 400);
  }
  document.addEventListener("visibilitychange", markRead);

  function applyRead() {
    var state = document.getElementById("chat-" + id + "-read");
    var upTo = state ? parseInt(state.dataset.readSeq, 10) || 0 : 0;
    document.querySelectorAll(".chat-mine[data-seq]").forEach(function (el) {
      el.classList.toggle("chat-read", (parseInt(el.dataset.seq, 10) || 0) <= upTo);
    });
  }

  // Every open, the first too: a message may land between the page's rendering and its socket.
  var socket = null;
  document.addEventListener("htmx:wsOpen", function (event) { socket = event.detail.socketWrapper; fetchMissed(); });

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var match = new RegExp('beforeend:#chat-' + id + '-messages"[^]*?data-seq="(\\d+)"').exec(event.detail.message);
    if (!match) return;
    var seq = parseInt(match[1], 10);
    if (seq > shownSeq() + 1) setTimeout(fetchMissed, 0); // one or more were missed
  });

  var typing = document.getElementById("chat-" + id + "-typing");
  var typingTimer = null;
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var target = event.detail.target;
    if (!target) return;
    if (target === list || list.contains(target)) {
      var stick = nearBottom();
      tidy();
      if (stick) toBottom();
      if (typing) typing.textContent = "";
    }
    if (target.id === "chat-" + id + "-read") applyRead();
    if (target.id === "chat-" + id + "-typing") {
      typing = target;
      clearTimeout(typingTimer);
      typingTimer = setTimeout(function () { typing.textContent = ""; }, 5000);
    }
    // An order's status changed: every card of that order follows.
    if (target.id && target.id.indexOf("order-status-") === 0) {
      var number = target.id.slice("order-status-".length);
      document.querySelectorAll('[data-order-status="' + CSS.escape(number) + '"]').forEach(function (card) {
        card.className = target.className;
        card.textContent = target.textContent;
      });
    }
  });

  var input = document.getElementById("chat-text");
  function wireComposer() {
    input = document.getElementById("chat-text");
    var form = document.getElementById("chat-form");
    if (!input || !form) return;
    // Enter sends, Shift+Enter breaks the line; the box grows with its text.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (input.value.trim() || form.querySelector("[name=image]").files.length) htmx.trigger(form, "submit");
      }
    });
    input.addEventListener("input", function () {
      input.style.height = "auto";
      input.style.height = Math.min(input.scrollHeight, 128) + "px";
      if (socket && input.value) socket.send(JSON.stringify({ typing: 1 }));
    });
    var file = form.querySelector("[name=image]");
    var label = document.querySelector(".chat-file-name");
    if (file && label) file.addEventListener("change", function () {
      label.hidden = !file.files.length;
      label.textContent = file.files.length ? file.files[0].name : "";
    });
    // A quick reply goes into the box to be checked and sent (without JavaScript it is sent at once).
    document.querySelectorAll("[data-quick-reply]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        input.value = button.dataset.quickReply;
        input.focus();
        input.dispatchEvent(new Event("input"));
      });
    });
  }
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-composer") {
      wireComposer();
      var again = document.getElementById("chat-text");
      if (again && !document.querySelector("[data-testid=chat-send-error]")) again.focus();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-composer") wireComposer();
  });

  wireComposer();
  applyRead();
  if (!location.hash || location.hash === "#chat-end") toBottom();
})();
