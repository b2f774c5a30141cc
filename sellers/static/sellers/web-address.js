// The store's web address field: the preview under it shows the full address as the
// slug is typed. On set-up (where the name field is marked data-slug-source) the slug
// also follows the store's name until the seller writes one of their own; the server
// makes the same kind of address when the field is left empty, and keeps it unique.
(function () {
  document.querySelectorAll("[data-web-address]").forEach(function (box) {
    var slug = box.querySelector("[data-slug-input]");
    var preview = box.querySelector("[data-slug-preview]");
    var name = box.closest("form").querySelector("[data-slug-source]");

    function slugify(text) {
      return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
        .replace(/[^a-z0-9\s-]/g, "").trim().replace(/[\s-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 56);
    }
    function showPreview() {
      var strong = document.createElement("strong");
      strong.textContent = slugify(slug.value) || (name && slugify(name.value)) || gettext("your-store");
      preview.replaceChildren(preview.dataset.prefix, strong, "/");
    }
    slug.addEventListener("input", showPreview);
    if (name) {
      // A slug the seller typed (or the server sent back) is theirs; an empty one follows the name.
      var followsName = slug.value === "" || slug.value === slugify(name.value);
      name.addEventListener("input", function () {
        if (followsName && slug.value !== slugify(name.value)) {
          slug.value = slugify(name.value);
          slug.classList.remove("is-invalid");  // a new address: the server checks it again
        }
        showPreview();
      });
      slug.addEventListener("input", function () { followsName = slug.value === ""; });
    }
    showPreview();
  });
})();
