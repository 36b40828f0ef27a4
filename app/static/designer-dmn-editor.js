/* 流程设计 · 在浏览器中编辑决策表: the dmn-js Modeler (installed from npm by `make setup`, served under /vendor/),
 * opened on the decision table view. "只校验" / "校验并部署" export the XML and post it to
 * /designer/<key>/deploy-xml, the same endpoint (and the same validation and deployment) as the process editor;
 * the problems the server finds are listed and, where the element is a rule or a cell, highlighted. */
(function () {
  "use strict";

  var app = document.getElementById("modeler-app");
  var statusBox = document.getElementById("modeler-status");
  var problemsBox = document.getElementById("modeler-problems");
  var noteInput = document.getElementById("change-note");
  var container = document.getElementById("dmn-canvas");
  var csrfMeta = document.querySelector("meta[name=csrf-token]");
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var xml = JSON.parse(document.getElementById("diagram-xml").textContent);

  var el = window.DesignerDeploy.el;
  var status = window.DesignerDeploy.statusIn(statusBox);

  if (!window.DmnJS) {
    status("编辑器组件未加载（请运行 make setup 安装 dmn-js）。", "error");
    return;
  }

  var modeler = new window.DmnJS({ container: container, common: { keyboard: { bindTo: window } } });
  window.approvalDmnModeler = modeler; // for the browser tests and the console

  function openDecisionTable() {
    var views = modeler.getViews();
    var table = views.filter(function (v) { return v.type === "decisionTable"; })[0];
    if (table && modeler.getActiveView() !== table) { return modeler.open(table); }
    return Promise.resolve();
  }

  // ------------------------------------------------------------------ problems

  function clearProblems() {
    container.querySelectorAll(".lint-error").forEach(function (n) { n.classList.remove("lint-error"); });
    problemsBox.hidden = true;
    problemsBox.querySelector("tbody").textContent = "";
  }

  function cellsOf(id) {
    if (!id || !window.CSS || !CSS.escape) { return []; }
    var q = CSS.escape(id);
    return Array.prototype.slice.call(container.querySelectorAll(
      "[data-element-id=\"" + q + "\"], [data-row-id=\"" + q + "\"], [data-col-id=\"" + q + "\"]"));
  }

  function showProblems(problems, fallback) {
    var tbody = problemsBox.querySelector("tbody");
    if (!problems.length) { problems = [{ message: fallback || "部署被拒绝。" }]; }
    problems.forEach(function (p) {
      var id = p.element_id || "";
      var cells = cellsOf(id);
      cells.forEach(function (c) { c.classList.add("lint-error"); });
      var tr = el("tr", { "data-element-id": id, class: cells.length ? "locatable" : "" }, [
        el("td", {}, [el("code", {}, id || "—"),
          p.file && p.file !== app.dataset.filename ? el("small", { class: "muted" }, " " + p.file) : null]),
        el("td", {}, p.element_name || ""),
        el("td", {}, p.rule ? el("code", {}, p.rule) : ""),
        el("td", {}, p.message || "")]);
      if (cells.length) {
        tr.addEventListener("click", function () { cells[0].scrollIntoView({ block: "center", inline: "center" }); });
      }
      tbody.appendChild(tr);
    });
    problemsBox.hidden = false;
  }

  // ------------------------------------------------------------------ validate and deploy

  window.DesignerDeploy.wire({
    app: app, modeler: modeler, noteInput: noteInput, csrf: csrf, status: status,
    clearProblems: clearProblems, showProblems: showProblems, editingIn: container, defaultFilename: "decision.dmn",
    deployedLink: function (v) { return { href: v.url, text: "查看第 " + v.version + " 版" }; },
    invalidText: function (n) { return "校验未通过：" + n + " 个问题。"; }
  });

  // ------------------------------------------------------------------ load

  modeler.importXML(xml).then(function (result) {
    return openDecisionTable().then(function () { return result; });
  }).then(function (result) {
    app.dataset.ready = "1";
    if (result && result.warnings && result.warnings.length) {
      status("导入时有 " + result.warnings.length + " 条提示（见浏览器控制台）。", "info");
      console.warn(result.warnings); // eslint-disable-line no-console
    }
  }).catch(function (err) {
    status("无法打开此决策表：" + err.message, "error");
  });
})();
