// Small helpers of the staff pages (loaded by base.html from this site: no inline script, the CSP holds).
(function () {
  "use strict";

  // 预览: a file is fetched only when its preview is opened (a confidential file's view is recorded).
  document.querySelectorAll("details.preview[data-src]").forEach(function (box) {
    box.addEventListener("toggle", function () {
      var target = box.querySelector(".preview-box");
      if (!box.open || target.firstChild) return;
      var el = document.createElement(box.dataset.kind === "pdf" ? "iframe" : "img");
      el.src = box.dataset.src;
      el.className = "preview-" + box.dataset.kind;
      if (el.tagName === "IMG") el.alt = box.querySelector("summary").textContent;
      else el.title = box.querySelector("summary").textContent;
      target.appendChild(el);
    });
  });
})();
