/* 流程设计: what both browser editors (processes with bpmn-js, decision tables with dmn-js) share — small DOM
 * helpers and "只校验" / "校验并部署" / "导出 XML": export the XML and post it to /designer/<key>/deploy-xml,
 * then report the result. Each editor passes hooks for what differs (focus to commit, how a deployed version
 * is linked, how problems are shown). */
window.DesignerDeploy = (function () {
  "use strict";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) { return; }
      if (k === "class") { node.className = v; } else if (k.slice(0, 2) === "on") { node.addEventListener(k.slice(2), v); }
      else if (k === "value") { node.value = v; } else if (k === "checked") { node.checked = true; }
      else { node.setAttribute(k, v === true ? "" : v); }
    });
    [].concat(children === undefined ? [] : children).forEach(function (c) {
      if (c === null || c === undefined || c === false) { return; }
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function statusIn(box) {
    return function status(text, kind, link) {
      box.textContent = "";
      box.className = "modeler-status" + (kind ? " " + kind : "");
      if (!text) { return; }
      box.appendChild(document.createTextNode(text));
      if (link) {
        box.appendChild(document.createTextNode(" "));
        box.appendChild(el("a", { href: link.href }, link.text));
      }
    };
  }

  /* o: app, modeler, noteInput, csrf, status, clearProblems, showProblems(errors),
   *    editingIn (element whose focused input must commit first), deployedLink(version) -> {href, text},
   *    invalidText(count), onDeployed(version) (optional), defaultFilename */
  function wire(o) {
    function submit(validateOnly) {
      var note = o.noteInput.value.trim();
      if (!validateOnly && !note) {
        o.status("请填写变更说明。", "error");
        o.noteInput.focus();
        return;
      }
      if (document.activeElement && o.editingIn.contains(document.activeElement)) { document.activeElement.blur(); }
      o.status(validateOnly ? "正在校验…" : "正在校验并部署…", "busy");
      o.clearProblems();
      o.modeler.saveXML({ format: true }).then(function (result) {
        return fetch(o.app.dataset.deployUrl, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": o.csrf, "Accept": "application/json" },
          body: JSON.stringify({ xml: result.xml, note: note, validate: validateOnly })
        });
      }).then(function (res) {
        return res.json().catch(function () { return { message: "服务器返回 " + res.status }; })
          .then(function (data) { return { res: res, data: data }; });
      }).then(function (r) {
        var data = r.data;
        if (r.res.status === 201) {
          var v = data.created[0];
          if (o.onDeployed) { o.onDeployed(v); }
          o.app.dataset.version = v.version;
          var basedOn = document.getElementById("based-on");  // the header names the version now edited
          if (basedOn) { basedOn.textContent = basedOn.dataset.template.replace("{n}", v.version); }
          var newer = document.getElementById("newer-version");
          if (newer) { newer.hidden = true; }
          o.status("已部署第 " + v.version + " 版（" + v.name + "）。", "ok", o.deployedLink(v));
        } else if (r.res.status === 200 && validateOnly) {
          o.status("校验通过，可以部署。", "ok");
        } else if (r.res.status === 200) {
          o.status("内容与最新版本相同，未创建新版本。", "info");
        } else if (r.res.status === 422 && data.errors && data.errors.length) {
          o.status(o.invalidText(data.errors.length), "error");
          o.showProblems(data.errors);
        } else {
          o.status(data.message || ("失败（" + r.res.status + "）"), "error");
        }
      }).catch(function (err) {
        o.status("失败：" + err, "error");
      });
    }

    document.getElementById("deploy-btn").addEventListener("click", function () { submit(false); });
    document.getElementById("validate-btn").addEventListener("click", function () { submit(true); });
    document.getElementById("download-btn").addEventListener("click", function (e) {
      e.preventDefault();
      var name = e.currentTarget.getAttribute("download") || o.defaultFilename;
      o.modeler.saveXML({ format: true }).then(function (result) {
        var a = el("a", { href: URL.createObjectURL(new Blob([result.xml], { type: "application/xml" })), download: name });
        document.body.appendChild(a);
        a.click();
        a.remove();
      });
    });
  }

  return { el: el, statusIn: statusIn, wire: wire };
})();
