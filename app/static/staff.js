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

// Form fields shown only when the outcome needs them (data-show-if: the diagram's visibleIf / requiredIf as
// a JSON rule, app/engine/visibility.py). A hidden field's inputs are disabled, so they are not posted.
(function () {
  "use strict";
  var fields = document.querySelectorAll("[data-show-if]");
  if (!fields.length) return;
  var form = fields[0].closest("form") || document;

  function valuesOf(name) {
    var out = [];
    form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.disabled) return;
      out.push(el.value);
    });
    return out;
  }

  function holds(rule) {
    if (rule.all) return rule.all.every(holds);
    if (rule.any) return rule.any.some(holds);
    if (rule.not) return !holds(rule.not);
    var values = valuesOf(rule.field);
    if (rule.truthy) return values.some(function (v) { return v !== "" && v !== "false" && v !== "0"; });
    return values.some(function (v) { return rule["in"].indexOf(v) >= 0; });
  }

  function update() {
    fields.forEach(function (box) {
      var show = holds(JSON.parse(box.dataset.showIf));
      box.hidden = !show;
      box.querySelectorAll("input, textarea, select").forEach(function (el) { el.disabled = !show; });
    });
  }
  form.addEventListener("change", update);
  form.addEventListener("input", update);
  update();
})();

// 收件: the materials checklist drives 材料是否齐全 and the correction list (the clerk may still edit it).
(function () {
  "use strict";
  var box = document.querySelector("[data-materials]");
  var form = document.getElementById("task-form");
  if (!box || !form) return;
  var list = form.querySelector("textarea[name=correction_items]");
  var generated = list ? list.value : "";
  function update() {
    var missing = [];
    box.querySelectorAll("input[type=checkbox]").forEach(function (c) { if (!c.checked) missing.push(c.value); });
    var complete = form.querySelector("input[name=materials_complete][value=" + (missing.length ? "false" : "true") + "]");
    if (complete) complete.checked = true;
    if (list && list.value === generated) {  // not edited by hand since we wrote it
      generated = missing.length ? box.dataset.missingPrefix + missing.join("；") : "";
      list.value = generated;
    }
    form.dispatchEvent(new Event("change"));
  }
  box.addEventListener("change", update);
  update();
})();

// 全部通过: every point of a checklist marked as passed, then the exceptions are changed by hand.
document.querySelectorAll("[data-checklist] [data-all-pass]").forEach(function (button) {
  button.addEventListener("click", function () {
    button.closest("[data-checklist]").querySelectorAll("input[type=radio][value=pass]").forEach(function (r) {
      r.checked = true;
    });
    var form = button.closest("form");
    if (form) form.dispatchEvent(new Event("change"));
  });
});

// 全选本页 on the task list's batch claim.
document.querySelectorAll("[data-select-all]").forEach(function (all) {
  all.addEventListener("change", function () {
    document.querySelectorAll("input[name=task_id][form='" + all.dataset.selectAll + "']").forEach(function (c) {
      c.checked = all.checked;
    });
  });
});

// The case page: each diagram scrolled (both ways) to its current step; the timeline filtered and folded.
(function () {
  "use strict";
  document.querySelectorAll("figure.diagram .scroll").forEach(function (box) {
    var current = box.querySelector(".current");
    if (!current) return;
    var shape = current.getBoundingClientRect(), frame = box.getBoundingClientRect();
    box.scrollLeft += shape.left - frame.left - frame.width / 2 + shape.width / 2;
    box.scrollTop += shape.top - frame.top - frame.height / 2 + shape.height / 2;
  });
  var timeline = document.querySelector("ol.timeline");
  if (!timeline) return;
  document.querySelectorAll("[data-timeline]").forEach(function (button) {
    button.addEventListener("click", function () {
      timeline.classList.toggle("only-human", button.dataset.timeline === "human");
      document.querySelectorAll("[data-timeline]").forEach(function (b) {
        b.setAttribute("aria-pressed", String(b === button));
      });
    });
  });
  document.querySelectorAll("[data-timeline-fold]").forEach(function (button) {
    button.addEventListener("click", function () {
      timeline.querySelectorAll("details.entry").forEach(function (d) {
        d.open = button.dataset.timelineFold === "open";
      });
    });
  });
})();
