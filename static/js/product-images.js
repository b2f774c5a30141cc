// Seller product pages, progressively enhanced: every control works without this file.
// - pictures: a drop zone that feeds the file input, drag (or arrow buttons) to reorder
//   existing pictures by writing their position inputs, the main picture moved first;
// - variants: an "Add a variant" button cloning the formset's empty form;
// - the product list: a "select all" checkbox.
(function () {
  "use strict";

  function renumber(list) {
    list.querySelectorAll("[data-image-item]").forEach(function (item, index) {
      var position = item.querySelector(".image-position");
      if (position) position.value = index + 1;
    });
  }

  function enhanceImageList(list) {
    var dragged = null;
    // After a refused save the numbers the seller typed may differ from the page order.
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-image-item]"));
    items.map(function (item, index) {
      var position = item.querySelector(".image-position");
      var value = position ? parseInt(position.value, 10) : NaN;
      return { item: item, key: isNaN(value) ? index + 1 : value, index: index };
    }).sort(function (a, b) { return a.key - b.key || a.index - b.index; })
      .forEach(function (entry) { list.appendChild(entry.item); });
    var checked = list.querySelector("[data-image-item] input[type=radio]:checked");
    if (checked) list.insertBefore(checked.closest("[data-image-item]"), list.firstElementChild);
    renumber(list);
    list.querySelectorAll("[data-image-item]").forEach(function (item) {
      item.draggable = true;
      var position = item.querySelector(".image-position");
      if (position) {
        // The order now comes from the layout; keep the number input for the form only.
        position.type = "hidden";
        var control = item.querySelector("[data-position-control]");
        if (control) control.hidden = true;
      }
      var buttons = item.querySelector("[data-move-buttons]");
      if (buttons) buttons.hidden = false;

      item.addEventListener("dragstart", function (event) {
        dragged = item;
        item.classList.add("is-dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", "");
      });
      item.addEventListener("dragend", function () {
        item.classList.remove("is-dragging");
        dragged = null;
        renumber(list);
        syncPrimary(list);
      });
      item.addEventListener("dragover", function (event) {
        if (!dragged || dragged === item) return;
        event.preventDefault();
        var box = item.getBoundingClientRect();
        var after = (event.clientX - box.left) > box.width / 2;
        list.insertBefore(dragged, after ? item.nextSibling : item);
      });
      item.addEventListener("drop", function (event) { event.preventDefault(); });

      item.querySelectorAll("[data-move]").forEach(function (button) {
        button.addEventListener("click", function () {
          var step = parseInt(button.getAttribute("data-move"), 10);
          var sibling = step < 0 ? item.previousElementSibling : item.nextElementSibling;
          if (!sibling) return;
          list.insertBefore(item, step < 0 ? sibling : sibling.nextSibling);
          renumber(list);
          syncPrimary(list);
          button.focus();
        });
      });

      var radio = item.querySelector("input[type=radio]");
      if (radio) {
        radio.addEventListener("change", function () {
          if (!radio.checked) return;
          list.insertBefore(item, list.firstElementChild);
          renumber(list);
        });
      }
      var remove = item.querySelector("[data-remove]");
      if (remove) {
        remove.addEventListener("change", function () { item.classList.toggle("is-removed", remove.checked); });
      }
    });
  }

  // Primary = position 0: the first picture's radio is the checked one.
  function syncPrimary(list) {
    var first = list.querySelector("[data-image-item] input[type=radio]");
    if (first) first.checked = true;
  }

  function enhanceDropZone(zone) {
    var input = zone.querySelector("input[type=file]");
    var chosen = zone.querySelector("[data-chosen]");
    var hint = zone.querySelector("[data-drop-hint]");
    if (!input || typeof DataTransfer === "undefined") return;
    if (hint) hint.hidden = false;

    function show() {
      if (!chosen) return;
      chosen.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        img.onload = function () { URL.revokeObjectURL(img.src); };
        item.appendChild(img);
        chosen.appendChild(item);
      });
      var limit = parseInt(zone.getAttribute("data-limit"), 10);
      var existing = parseInt(zone.getAttribute("data-existing"), 10) || 0;
      var removed = document.querySelectorAll("[data-remove]:checked").length;
      var free = limit - existing + removed;
      input.setCustomValidity(input.files.length > free ? interpolate(gettext("A product can have at most %(limit)s pictures."), { limit: limit }, true) : "");
    }

    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        if (!event.dataTransfer || Array.prototype.indexOf.call(event.dataTransfer.types, "Files") < 0) return;
        event.preventDefault();
        zone.classList.add("is-dragover");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-dragover"); });
    });
    zone.addEventListener("drop", function (event) {
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      event.preventDefault();
      // Add the dropped pictures to the ones already chosen.
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (file) { merged.items.add(file); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (file) {
        if (/^image\//.test(file.type)) merged.items.add(file);
      });
      input.files = merged.files;
      show();
    });
    input.addEventListener("change", show);
  }

  function enhanceVariants(form) {
    var button = form.querySelector("[data-add-variant]");
    var template = document.getElementById("variant-template");
    var list = form.querySelector("[data-variant-list]");
    var total = form.querySelector("input[name$='-TOTAL_FORMS']");
    if (!button || !template || !list || !total) return;
    button.hidden = false;
    var fallback = form.querySelector("[data-add-variant-fallback]");
    if (fallback) fallback.hidden = true;
    button.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
      list.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      var added = list.lastElementChild;
      var first = added && added.querySelector("input:not([type=hidden])");
      if (first) first.focus();
    });
  }

  function enhanceKind(form) {
    var kind = form.querySelector("select[name=kind]");
    if (!kind) return;
    form.classList.add("enhanced");
    kind.addEventListener("change", function () { form.setAttribute("data-kind", kind.value); });
  }

  function enhanceSelectAll(root) {
    var all = root.querySelector("[data-select-all]");
    if (!all || all.dataset.ready) return;
    all.dataset.ready = "1";
    var wrap = root.querySelector("[data-select-all-wrap]");
    if (wrap) wrap.hidden = false;
    var fallback = root.querySelector("[data-select-all-fallback]");
    if (fallback) fallback.hidden = true;
    var boxes = function () { return root.querySelectorAll("input[name=ids]"); };
    all.addEventListener("change", function () {
      boxes().forEach(function (box) { box.checked = all.checked; });
    });
  }

  function enhance(root) {
    root.querySelectorAll("[data-image-list]").forEach(function (list) {
      if (list.dataset.ready) return;
      list.dataset.ready = "1";
      list.classList.add("enhanced");
      enhanceImageList(list);
    });
    root.querySelectorAll("[data-enhanced-text]").forEach(function (help) {
      help.textContent = help.getAttribute("data-enhanced-text");
    });
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      if (zone.dataset.ready) return;
      zone.dataset.ready = "1";
      enhanceDropZone(zone);
    });
    var form = root.querySelector("#product-form");
    if (form && !form.dataset.ready) {
      form.dataset.ready = "1";
      enhanceVariants(form);
      enhanceKind(form);
    }
    root.querySelectorAll("#bulk-form").forEach(enhanceSelectAll);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  // The product list's results are swapped in by htmx on search, tabs and paging.
  document.addEventListener("htmx:load", function (event) { enhance(event.target.ownerDocument || document); });
})();
