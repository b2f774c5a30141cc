// Messages pages: the inboxes and a conversation.
//
// Any of them: a push about a conversation deletes its inbox row and puts the new one at
// the top (soko-live lets the new row in because the same push deletes the old one).
// After a socket reconnect, the navbar's unread badge is read again (pushes are at most once).
(function () {
  var opened = false;
  document.addEventListener("htmx:wsOpen", function () {
    var badge = document.getElementById("chat-unread");
    var url = document.querySelector("[data-chat-unread-url]");
    if (opened && badge && url) {
      htmx.ajax("GET", url.dataset.chatUnreadUrl, { target: "#chat-unread", swap: "outerHTML" });
    }
    opened = true;
  });
})();

// A conversation's page. Messages arrive over the socket, each with the conversation's
// sequence number: a message already shown is skipped, and a socket that reopens or a
// push that skips a number makes the page fetch what it has not shown, so no message is
// missing on screen. Reading the page tells the other side (over the socket while it is
// open); typing is shown to them.
(function () {
  var page = document.getElementById("chat-page");
  if (!page) return;
  var id = page.dataset.conversation;
  var list = document.getElementById("chat-" + id + "-messages");
  var scroller = document.getElementById("chat-scroll");
  var canWrite = page.dataset.canWrite === "1";
  var typingId = "chat-" + id + "-typing";
  var me = page.dataset.me;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // A message names its author (a member of the store's team) once per run of messages from
  // them, as a messenger does, and never on this person's own messages: a push is rendered
  // once for the whole side, so it names the author of every team message.
  function nameAuthors() {
    var previous = null;
    scroller.querySelectorAll("[data-testid=chat-msg]").forEach(function (el) {
      var author = el.querySelector(".chat-author");
      var sameRun = previous !== null && previous.dataset.side === el.dataset.side && previous.dataset.sender === el.dataset.sender;
      if (author) author.hidden = sameRun || (!!me && el.dataset.sender === me);
      previous = el.dataset.sender ? el : null;
    });
  }

  function shownSeq() {
    var seqs = Array.from(scroller.querySelectorAll("[data-seq]")).map(function (el) { return parseInt(el.dataset.seq, 10) || 0; });
    return seqs.length ? Math.max.apply(null, seqs) : 0;
  }

  function nearBottom() { return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 160; }
  function toBottom() { scroller.scrollTop = scroller.scrollHeight; }

  // Messages in the list stay in order and appear once, however they arrived.
  function tidy() {
    var seen = {};
    scroller.querySelectorAll(":scope > [data-seq]").forEach(function (el) { seen[el.id] = true; });
    Array.from(list.children).forEach(function (el) {
      if (el.id && seen[el.id]) el.remove();
      else seen[el.id] = true;
    });
    Array.from(list.children)
      .sort(function (a, b) { return (parseInt(a.dataset.seq, 10) || 0) - (parseInt(b.dataset.seq, 10) || 0); })
      .forEach(function (el) { list.appendChild(el); });
    var empty = scroller.querySelector(".chat-empty");
    if (empty && list.children.length) empty.remove();
    nameAuthors();
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
        var stick = nearBottom();
        var template = document.createElement("template");
        template.innerHTML = html;
        Array.from(template.content.children).forEach(function (el) {
          if (!el.id || !document.getElementById(el.id)) { list.appendChild(el); htmx.process(el); }
        });
        tidy();
        if (stick) toBottom();
      })
      .catch(function () { /* offline: the next socket open fetches again */ })
      .finally(function () { fetching = false; });
  }

  var readTimer = null;
  // Only what the other side wrote needs reading; posted once per newer message.
  var readUpTo = 0;
  function markRead() {
    if (!canWrite || document.visibilityState !== "visible") return;
    var theirs = Array.from(scroller.querySelectorAll(".chat-theirs[data-seq], .chat-system[data-seq]")).map(function (el) { return parseInt(el.dataset.seq, 10) || 0; });
    var newest = theirs.length ? Math.max.apply(null, theirs) : 0;
    if (newest <= readUpTo) return;
    readUpTo = newest;
    clearTimeout(readTimer);
    readTimer = setTimeout(function () {
      // Over the open socket (no request to serve); the same read is a POST while it is shut.
      if (socketOpen) {
        socket.send(JSON.stringify({ read: 1 }));
        return;
      }
      fetch(page.dataset.readUrl, { method: "POST", headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" }, credentials: "same-origin" })
        .catch(function () { /* offline: read again on the next message or visit */ });
    }, 400);
  }
  document.addEventListener("visibilitychange", markRead);

  function applyRead() {
    var state = document.getElementById("chat-" + id + "-read");
    var upTo = state ? parseInt(state.dataset.readSeq, 10) || 0 : 0;
    scroller.querySelectorAll(".chat-mine[data-seq]").forEach(function (el) {
      el.classList.toggle("chat-read", (parseInt(el.dataset.seq, 10) || 0) <= upTo);
    });
  }

  // Every open, the first too: a message may land between the page's rendering and its socket.
  var socket = null;
  var socketOpen = false;
  document.addEventListener("htmx:wsOpen", function (event) { socket = event.detail.socketWrapper; socketOpen = true; fetchMissed(); });
  document.addEventListener("htmx:wsClose", function () { socketOpen = false; });

  // Whether the reader was at the end before a push changed the list (after it, a tall card
  // or picture would make the page look scrolled up).
  var stickToEnd = true;
  // An order's status pushed to the person's pages (its own badge, #order-status-<number>):
  // every order card of that order in the conversation follows, whether or not the page
  // shows the badge itself.
  function followOrderStatus(message) {
    if (message.indexOf('id="order-status-') < 0) return;
    var template = document.createElement("template");
    template.innerHTML = message;
    template.content.querySelectorAll('[id^="order-status-"]').forEach(function (status) {
      var number = status.id.slice("order-status-".length);
      document.querySelectorAll('[data-order-status="' + CSS.escape(number) + '"]').forEach(function (card) {
        card.className = status.className;
        card.textContent = status.textContent;
      });
    });
  }

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    stickToEnd = nearBottom();
    if (typeof event.detail.message === "string") followOrderStatus(event.detail.message);
    var match = new RegExp('beforeend:#chat-' + id + '-messages"[^]*?data-seq="(\\d+)"').exec(event.detail.message);
    if (!match) return;
    var seq = parseInt(match[1], 10);
    if (seq > shownSeq() + 1) setTimeout(fetchMissed, 0); // one or more were missed
  });

  var typingTimer = null;
  function clearTyping() {
    var typing = document.getElementById(typingId);
    if (typing) typing.textContent = "";
  }
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    // ``detail.target`` is the element swapped out (gone, for an outerHTML swap);
    // ``event.target`` is the new content.
    var target = event.detail.target;
    var fresh = event.target;
    if (!target) return;
    if (target === list || list.contains(target) || (fresh !== document && scroller.contains(fresh))) {
      var mine = fresh.classList && fresh.classList.contains("chat-mine");
      tidy();
      if (stickToEnd || mine) toBottom();
      if (target === list) clearTyping();
    }
    if (target.id === "chat-" + id + "-read") applyRead();
    if (target.id === typingId) {
      var typing = document.getElementById(typingId);
      if (typing) typing.setAttribute("aria-live", "polite");
      clearTimeout(typingTimer);
      typingTimer = setTimeout(clearTyping, 5000);
    }
  });

  // A picture that loads at the end of the conversation keeps the end in view.
  scroller.addEventListener("load", function (event) {
    if (event.target.tagName === "IMG" && nearBottom()) toBottom();
  }, true);

  var lastTypingSent = 0;
  function wireComposer() {
    var input = document.getElementById("chat-text");
    var form = document.getElementById("chat-form");
    if (!input || !form || form.dataset.wired) return;
    form.dataset.wired = "1";
    var file = form.querySelector("[name=image]");
    // The box grows with its text, up to five lines (rows, not an inline style: the CSP
    // refuses style attributes, which htmx copies to the new box when the form is swapped).
    function grow() {
      input.rows = 1;
      while (input.rows < 5 && input.scrollHeight > input.clientHeight + 1) input.rows += 1;
    }
    // Enter sends, Shift+Enter breaks the line.
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        if (input.value.trim() || (file && file.files.length)) htmx.trigger(form, "submit");
      }
    });
    input.addEventListener("input", function () {
      grow();
      var now = Date.now();
      if (socket && input.value && now - lastTypingSent > 2000) {
        lastTypingSent = now;
        socket.send(JSON.stringify({ typing: 1 }));
      }
    });
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
    grow();
  }
  // A message sent is answered with nothing (204): it arrives over the socket like any
  // other, and the form is emptied here, with the reason an earlier one was refused.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!event.detail.successful || event.detail.xhr.status !== 204 || !form || form.id !== "chat-form") return;
    document.querySelectorAll("[data-testid=chat-send-error]").forEach(function (el) { el.remove(); });
    // Not form.reset(): after a refusal the box's own text is the refused message.
    var file = form.querySelector("[name=image]");
    if (file && file.value) {
      file.value = "";
      file.dispatchEvent(new Event("change"));
    }
    var input = document.getElementById("chat-text");
    input.value = "";
    input.dispatchEvent(new Event("input")); // the box shrinks back
    input.focus();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "chat-composer") {
      wireComposer();
      var again = document.getElementById("chat-text");
      if (again && !document.querySelector("[data-testid=chat-send-error]")) again.focus();
    }
  });

  wireComposer();
  nameAuthors();
  applyRead();
  if (!location.hash || location.hash === "#chat-end") toBottom();
})();
