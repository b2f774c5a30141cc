// Store set-up: the web address follows the store's name as it is typed, until the
// seller writes one of their own; the preview shows the full address. The server makes
// the same kind of address when the field is left empty (and keeps it unique).
(function () {
  var form = document.querySelector("[data-testid=store-setup-form]");
  if (!form) return;
  var name = form.querySelector("[data-slug-source], input[name=name]");
  var slug = form.querySelector("[data-slug-input]");
  var preview = form.querySelector("[data-slug-preview]");
  if (!name || !slug) return;

  function slugify(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 56);
  }
  function showPreview() {
    if (!preview) return;
    var strong = document.createElement("strong");
    strong.textContent = slugify(slug.value) || slugify(name.value) || "your-store";
    preview.replaceChildren(preview.dataset.prefix, strong, "/");
  }
  // A slug the seller typed (or the server sent back) is theirs; an empty one follows the name.
  var followsName = slug.value === "" || slug.value === slugify(name.value);
  name.addEventListener("input", function () {
    if (followsName && slug.value !== slugify(name.value)) {
      slug.value = slugify(name.value);
      slug.classList.remove("is-invalid");  // a new address: the server checks it again
    }
    showPreview();
  });
  slug.addEventListener("input", function () {
    followsName = slug.value === "";
    showPreview();
  });
  showPreview();
})();
