// An auction's page: the time left counts down every second, and the live parts arrive
// over the socket, each with the auction's sequence number. A push older than what the
// page shows is dropped; a push that skips a number (one was missed), a socket that
// reopens, and the end of the countdown make the page read its live parts again, so no
// bid is ever missing on screen.
(function () {
  var page = document.getElementById("auction-page");
  if (!page) return;
  var auction = page.dataset.auction;
  var stateId = "auction-" + auction + "-state";

  function shownSeq() {
    var state = document.getElementById(stateId);
    return state ? parseInt(state.dataset.seq, 10) || 0 : 0;
  }

  function reread() {
    htmx.ajax("GET", page.dataset.liveUrl, { target: "#" + stateId, swap: "none" });
  }

  function pushedSeq(text) {
    var match = new RegExp('id="' + stateId + '"[^>]*?data-seq="(\\d+)"').exec(text);
    return match ? parseInt(match[1], 10) : null;
  }

  // Every open (the first too: a bid may land between the page's rendering and its
  // socket joining the auction's group).
  document.addEventListener("htmx:wsOpen", reread);

  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    var seq = pushedSeq(event.detail.message);
    if (seq === null) return;
    var shown = shownSeq();
    if (seq <= shown) {
      event.preventDefault(); // older than the page: keep what is shown
    } else if (seq > shown + 1) {
      setTimeout(reread, 0); // one or more pushes were missed
    }
  });

  // The bid box follows the state: the least next bid, and buy it now while offered.
  function syncBox() {
    var state = document.getElementById(stateId);
    if (!state) return;
    var input = document.querySelector("[data-bid-amount]");
    if (input && state.dataset.minNext) {
      var least = parseFloat(state.dataset.minNext);
      input.min = state.dataset.minNext;
      if (!input.matches(":focus") && parseFloat(input.value || "0") < least) input.value = state.dataset.minNext;
    }
    var buyNow = document.querySelector("[data-buy-now-form]");
    if (buyNow) buyNow.hidden = state.dataset.buyNow !== "1";
    // "You are the highest bidder" holds only while the leader is still this viewer.
    var lead = document.querySelector("[data-you-lead]");
    if (lead) lead.hidden = state.dataset.leader !== lead.dataset.youLead;
    tick();
  }
  document.addEventListener("htmx:oobAfterSwap", syncBox);
  document.addEventListener("htmx:afterSettle", syncBox);

  function left(ms) {
    var seconds = Math.max(0, Math.floor(ms / 1000));
    var days = Math.floor(seconds / 86400);
    var hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (days > 0) return interpolate(gettext("%(d)s d %(h)s h"), { d: days, h: hours }, true);
    if (hours > 0) return interpolate(gettext("%(h)s h %(m)s min"), { h: hours, m: minutes }, true);
    return minutes + ":" + String(rest).padStart(2, "0");
  }

  var rereadAtEnd = false;
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var ms = new Date(el.getAttribute("datetime")).getTime() - Date.now();
      if (ms <= 0) {
        el.textContent = gettext("ending…");
        if (!rereadAtEnd) {
          rereadAtEnd = true;
          setTimeout(function () { rereadAtEnd = false; reread(); }, 2500);
        }
        return;
      }
      el.textContent = left(ms);
      el.classList.toggle("text-danger", ms < 5 * 60 * 1000);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
