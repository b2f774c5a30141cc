// The blog editor's formatting toolbar: it writes the tags the sanitiser keeps into the
// textarea (shop/blog/services.py body_clean). Without JavaScript the toolbar stays hidden
// and the textarea takes plain text or HTML as before.
(function () {
  "use strict";

  function replaceSelection(area, text, caretFrom, caretTo) {
    const start = area.selectionStart;
    area.setRangeText(text, start, area.selectionEnd, "end");
    area.setSelectionRange(start + caretFrom, start + caretTo);
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function inline(area, tag, attributes) {
    const chosen = area.value.slice(area.selectionStart, area.selectionEnd);
    const open = "<" + tag + (attributes || "") + ">";
    replaceSelection(area, open + chosen + "</" + tag + ">", open.length, open.length + chosen.length);
  }

  // A block goes on its own, between blank lines, so the text around it stays paragraphs.
  function block(area, open, inner, close) {
    const before = area.value.slice(0, area.selectionStart);
    const after = area.value.slice(area.selectionEnd);
    const lead = before === "" || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    const tail = after === "" || after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    const caret = lead.length + open.length;
    replaceSelection(area, lead + open + inner + close + tail, caret, caret + inner.length);
  }

  function list(area, tag) {
    const chosen = area.value.slice(area.selectionStart, area.selectionEnd);
    const items = chosen.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
    if (!items.length) {
      block(area, "<" + tag + ">\n<li>", "", "</li>\n</" + tag + ">");
      return;
    }
    const inner = items.map(function (item) { return "<li>" + item + "</li>"; }).join("\n");
    block(area, "<" + tag + ">\n", inner, "\n</" + tag + ">");
  }

  function link(area, prompt) {
    const address = window.prompt(prompt, "https://");
    if (!address || address === "https://") return;
    inline(area, "a", ' href="' + address.trim().replace(/&/g, "&amp;").replace(/"/g, "&quot;") + '"');
  }

  function apply(area, format, button) {
    if (format === "strong" || format === "em") inline(area, format);
    else if (format === "h2") block(area, "<h2>", area.value.slice(area.selectionStart, area.selectionEnd).trim(), "</h2>");
    else if (format === "ul" || format === "ol") list(area, format);
    else if (format === "a") link(area, button.dataset.prompt);
  }

  document.querySelectorAll("[data-post-toolbar]").forEach(function (toolbar) {
    const area = document.getElementById(toolbar.dataset.postToolbar);
    if (!area) return;
    area.before(toolbar);
    toolbar.hidden = false;
    toolbar.addEventListener("click", function (event) {
      const button = event.target.closest("button[data-format]");
      if (button) apply(area, button.dataset.format, button);
    });
    area.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
      const format = { b: "strong", i: "em" }[event.key.toLowerCase()];
      if (!format) return;
      event.preventDefault();
      apply(area, format);
    });
  });
})();
