/* 流程设计 · 在浏览器中编辑: the bpmn-js Modeler (installed from npm by `make setup`, served under /vendor/) with a
 * side panel for what this system reads from a diagram — names, lanes, task kinds, working-day durations,
 * audio/video recording, instructions, the task's form (appr:form), sequence-flow conditions, gateway
 * defaults and called decisions — so that none of it needs hand-editing of XML. "校验并部署" exports the XML and
 * posts it to /designer/<key>/deploy-xml; the problems the server finds are listed and highlighted. */
(function () {
  "use strict";

  // ------------------------------------------------------------------ moddle descriptors (our extensions)

  var APPR = {
    name: "Approval", uri: "urn:xzsp:approval:1.0", prefix: "appr", xml: { tagAlias: "lowerCase" },
    types: [
      { name: "Task", superClass: ["Element"], properties: [
        { name: "kind", isAttr: true, type: "String" },
        { name: "dueWorkdays", isAttr: true, type: "String" },
        { name: "requiresAudioVideo", isAttr: true, type: "String" }] },
      { name: "Form", superClass: ["Element"], properties: [
        { name: "fields", type: "Field", isMany: true }] },
      { name: "Field", superClass: ["Element"], properties: [
        { name: "name", isAttr: true, type: "String" },
        { name: "type", isAttr: true, type: "String" },
        { name: "label", isAttr: true, type: "String" },
        { name: "labelEn", isAttr: true, type: "String" },
        { name: "required", isAttr: true, type: "String" },
        { name: "requiredIf", isAttr: true, type: "String" },
        { name: "visibleIf", isAttr: true, type: "String" },
        { name: "min", isAttr: true, type: "String" },
        { name: "max", isAttr: true, type: "String" },
        { name: "default", isAttr: true, type: "String" },
        { name: "role", isAttr: true, type: "String" },
        { name: "mustIncludeRole", isAttr: true, type: "String" },
        { name: "help", isAttr: true, type: "String" },
        { name: "helpEn", isAttr: true, type: "String" },
        { name: "options", type: "Option", isMany: true },
        { name: "items", type: "Item", isMany: true }] },
      { name: "Option", superClass: ["Element"], properties: [
        { name: "value", isAttr: true, type: "String" },
        { name: "label", isAttr: true, type: "String" },
        { name: "labelEn", isAttr: true, type: "String" }] },
      { name: "Item", superClass: ["Element"], properties: [
        { name: "key", isAttr: true, type: "String" },
        { name: "label", isAttr: true, type: "String" },
        { name: "labelEn", isAttr: true, type: "String" }] }
    ],
    enumerations: [], associations: []
  };

  var SPIFF = {
    name: "SpiffWorkflow", uri: "http://spiffworkflow.org/bpmn/schema/1.0/core", prefix: "spiffworkflow",
    xml: { tagAlias: "lowerCase" },
    types: [
      { name: "InstructionsForEndUser", superClass: ["Element"], properties: [
        { name: "text", isBody: true, type: "String" }] },
      { name: "CalledDecisionId", superClass: ["Element"], properties: [
        { name: "text", isBody: true, type: "String" }] }
    ],
    enumerations: [], associations: []
  };

  var FIELD_ATTRS = ["name", "type", "label", "labelEn", "required", "requiredIf", "visibleIf", "min", "max", "default", "role",
                     "mustIncludeRole", "help", "helpEn"];
  var FIELD_TYPES = ["text", "longtext", "number", "integer", "date", "boolean", "choice", "multichoice", "users",
                     "checklist"];
  // What each field type is called in plain words (the technical key stays visible, small).
  var FIELD_TYPE_NAMES = { text: "单行文字", longtext: "多行文字", number: "数字", integer: "整数", date: "日期",
                     boolean: "是 / 否", choice: "单选", multichoice: "多选", users: "选择人员", checklist: "审核要点清单" };
  function named(label, key) { return [label, " ", el("small", { class: "tech-key" }, key)]; }
  // The task kinds come from the server (every kind a feature declared), as [code, label] pairs.
  var kindsJson = document.getElementById("task-kinds");
  var KINDS = kindsJson ? JSON.parse(kindsJson.textContent) : [["", "普通步骤"]];
  var ROLES = [["", "—"], ["clerk", "窗口受理人员"], ["reviewer", "审查人员"], ["legal", "法制审核人员"],
               ["counsel", "法律顾问"], ["secretary", "委员会秘书"], ["leader", "局领导"]];
  var TYPE_NAMES = {
    "bpmn:UserTask": "用户任务", "bpmn:BusinessRuleTask": "业务规则任务", "bpmn:CallActivity": "调用活动",
    "bpmn:ExclusiveGateway": "排他网关", "bpmn:InclusiveGateway": "包容网关", "bpmn:ParallelGateway": "并行网关",
    "bpmn:SequenceFlow": "顺序流", "bpmn:Lane": "泳道（角色）", "bpmn:Participant": "池", "bpmn:Process": "流程", "bpmn:Collaboration": "流程图",
    "bpmn:StartEvent": "开始事件", "bpmn:EndEvent": "结束事件", "bpmn:BoundaryEvent": "边界事件",
    "bpmn:IntermediateCatchEvent": "中间事件", "bpmn:SubProcess": "子流程", "bpmn:Task": "任务"
  };

  // ------------------------------------------------------------------ setup

  var app = document.getElementById("modeler-app");
  if (!app) { return; }
  var statusBox = document.getElementById("modeler-status");
  var panel = document.getElementById("modeler-panel");
  var problemsBox = document.getElementById("modeler-problems");
  var noteInput = document.getElementById("change-note");
  var csrf = document.querySelector("meta[name=csrf-token]").getAttribute("content");
  var xml = JSON.parse(document.getElementById("diagram-xml").textContent);

  var status = window.DesignerDeploy.statusIn(statusBox);
  var el = window.DesignerDeploy.el;

  var Modeler = window.BpmnJS && (window.BpmnJS.Modeler || window.BpmnJS);
  if (!Modeler) {
    status("编辑器组件未加载（请运行 make setup 安装 bpmn-js）。", "error");
    return;
  }
  var modeler = new Modeler({ container: "#modeler-canvas", moddleExtensions: { appr: APPR, spiffworkflow: SPIFF } });
  window.approvalModeler = modeler; // for tests and the browser console
  var modeling = modeler.get("modeling");
  var moddle = modeler.get("moddle");
  var canvas = modeler.get("canvas");
  var registry = modeler.get("elementRegistry");
  var selection = modeler.get("selection");
  var eventBus = modeler.get("eventBus");

  // ------------------------------------------------------------------ small DOM helpers


  function select(options, value, attrs) {
    var s = el("select", attrs || {});
    var known = false;
    options.forEach(function (o) {
      var opt = el("option", { value: o[0] }, o[1] === o[0] || !o[0] ? o[1] : o[1] + " · " + o[0]);
      if (o[0] === (value || "")) { opt.selected = true; known = true; }
      s.appendChild(opt);
    });
    if (!known && value) { // keep whatever the file says, even an unknown value (the server will tell)
      var extra = el("option", { value: value }, value);
      extra.selected = true;
      s.appendChild(extra);
    }
    return s;
  }

  function row(label, control, hint) {
    return el("label", { class: "prop" }, [el("span", { class: "prop-label" }, label), control,
      hint ? el("small", { class: "muted" }, hint) : null]);
  }

  function typeOf(bo) { return bo && bo.$type; }
  function isA(bo, type) { return bo && bo.$instanceOf && bo.$instanceOf(type); }
  function blank(v) { return v === undefined || v === null || String(v).trim() === "" ? undefined : String(v); }

  // ------------------------------------------------------------------ extension elements through the moddle API

  function extValue(bo, type) {
    var ext = bo.extensionElements;
    return ext && (ext.values || []).filter(function (v) { return v.$type === type; })[0];
  }

  function setExt(element, type, value) {
    var bo = element.businessObject;
    var ext = bo.extensionElements;
    if (!ext) {
      if (!value) { return; }
      ext = moddle.create("bpmn:ExtensionElements", { values: [value] });
      ext.$parent = bo;
      value.$parent = ext;
      modeling.updateProperties(element, { extensionElements: ext });
      return;
    }
    var values = (ext.values || []).slice();
    var i = -1;
    values.forEach(function (v, n) { if (i < 0 && v.$type === type) { i = n; } });
    if (value) {
      value.$parent = ext;
      if (i >= 0) { values[i] = value; } else { values.push(value); }
    } else if (i >= 0) {
      values.splice(i, 1);
    } else {
      return;
    }
    modeling.updateModdleProperties(element, ext, { values: values });
  }

  function setTaskAttr(element, attr, value) {
    var task = extValue(element.businessObject, "appr:Task");
    var props = {};
    props[attr] = blank(value);
    if (task) {
      modeling.updateModdleProperties(element, task, props);
    } else if (props[attr] !== undefined) {
      setExt(element, "appr:Task", moddle.create("appr:Task", props));
    }
  }

  function setBodyExt(element, type, value) {
    var existing = extValue(element.businessObject, type);
    value = blank(value);
    if (existing && value !== undefined) {
      modeling.updateModdleProperties(element, existing, { text: value });
    } else {
      setExt(element, type, value === undefined ? null : moddle.create(type, { text: value }));
    }
  }

  // Form state: plain objects, written back as a whole new appr:form on every change.
  function readForm(bo) {
    var form = extValue(bo, "appr:Form");
    if (!form) { return null; }
    return (form.fields || []).map(function (f) {
      var attrs = {};
      FIELD_ATTRS.forEach(function (a) { if (f[a] !== undefined) { attrs[a] = f[a]; } });
      return {
        attrs: attrs,
        options: (f.options || []).map(function (o) { return { value: o.value, label: o.label, labelEn: o.labelEn }; }),
        items: (f.items || []).map(function (o) { return { key: o.key, label: o.label, labelEn: o.labelEn }; })
      };
    });
  }

  function writeForm(element, fields) {
    if (fields === null) { setExt(element, "appr:Form", null); return; }
    var form = moddle.create("appr:Form", { fields: [] });
    fields.forEach(function (f) {
      var attrs = {};
      FIELD_ATTRS.forEach(function (a) { if (blank(f.attrs[a]) !== undefined) { attrs[a] = f.attrs[a]; } });
      var field = moddle.create("appr:Field", attrs);
      field.$parent = form;
      var options = f.options.map(function (o) {
        var opt = moddle.create("appr:Option", clean(o));
        opt.$parent = field;
        return opt;
      });
      var items = f.items.map(function (o) {
        var item = moddle.create("appr:Item", clean(o));
        item.$parent = field;
        return item;
      });
      if (options.length) { field.set("options", options); }
      if (items.length) { field.set("items", items); }
      form.get("fields").push(field);
    });
    setExt(element, "appr:Form", form);
  }

  function clean(obj) {
    var out = {};
    Object.keys(obj).forEach(function (k) { if (blank(obj[k]) !== undefined) { out[k] = obj[k]; } });
    return out;
  }

  // "value=label|labelEn" lines <-> options / checklist items
  function linesOf(list, keyName) {
    return list.map(function (o) {
      return (o[keyName] || "") + "=" + (o.label || "") + (o.labelEn ? "|" + o.labelEn : "");
    }).join("\n");
  }

  function parseLines(text, keyName) {
    return text.split(/\r?\n/).map(function (line) { return line.trim(); }).filter(Boolean).map(function (line) {
      var eq = line.indexOf("=");
      var key = eq < 0 ? line : line.slice(0, eq).trim();
      var rest = eq < 0 ? "" : line.slice(eq + 1);
      var bar = rest.lastIndexOf("|");
      var o = {};
      o[keyName] = key;
      o.label = (bar < 0 ? rest : rest.slice(0, bar)).trim() || undefined;
      o.labelEn = bar < 0 ? undefined : rest.slice(bar + 1).trim() || undefined;
      return o;
    });
  }

  // ------------------------------------------------------------------ the side panel

  var current = null;       // the selected element (diagram-js shape or connection)
  var quiet = false;        // true while the panel itself runs a command: do not redraw the panel under the user

  function commit(fn) {
    quiet = true;
    try { fn(); } finally { quiet = false; }
  }

  var loaded = false;

  function render() {
    if (!loaded) { return; }
    panel.textContent = "";
    var element = current || canvas.getRootElement();
    var bo = element && element.businessObject;
    if (!bo) { return; }
    var type = typeOf(bo) || "";
    panel.appendChild(el("h2", {}, [TYPE_NAMES[type] || type.replace("bpmn:", ""),
      el("code", { class: "elid" }, bo.id)]));
    if (!current) {
      panel.appendChild(el("p", { class: "muted" }, "点击图中的步骤、网关、连线或泳道，在这里编辑它的属性。"));
    }

    // name (steps, gateways, flows, lanes, pools, events)
    if (isA(bo, "bpmn:Collaboration")) {
      panel.appendChild(el("p", { class: "muted" }, "泳道即角色：用户任务所在泳道的名称决定谁可以办理。表单、时限和条件在所选元素上编辑，无需改 XML。"));
    } else if (element.type !== "label") {
      var nameInput = el("input", { type: "text", name: "name", value: bo.name || "",
        onchange: function () {
          var v = blank(nameInput.value);
          commit(function () {
            if (element === canvas.getRootElement()) { modeling.updateProperties(element, { name: v }); }
            else { modeling.updateLabel(element, v || null); }
          });
        } });
      panel.appendChild(row(isA(bo, "bpmn:Lane") ? "泳道名称（须为角色名）" : "名称", nameInput,
        isA(bo, "bpmn:Lane") ? "窗口受理人员、审查人员、法制审核人员、法律顾问、委员会秘书、局领导（或英文名 / 代码）" : null));
    }
    if (isA(bo, "bpmn:Participant") && bo.processRef) {
      var proc = bo.processRef;
      var procName = el("input", { type: "text", name: "process_name", value: proc.name || "",
        onchange: function () { commit(function () { modeling.updateModdleProperties(element, proc, { name: blank(procName.value) }); }); } });
      panel.appendChild(row("流程名称（登记簿中显示）", procName));
    }

    if (isA(bo, "bpmn:UserTask")) { renderUserTask(element, bo); }
    if (isA(bo, "bpmn:BusinessRuleTask")) {
      var dec = extValue(bo, "spiffworkflow:CalledDecisionId");
      var decInput = el("input", { type: "text", name: "calledDecisionId", value: dec ? dec.text || "" : "",
        onchange: function () { commit(function () { setBodyExt(element, "spiffworkflow:CalledDecisionId", decInput.value); }); } });
      panel.appendChild(row("调用的决策（DMN decision id）", decInput));
    }
    if (isA(bo, "bpmn:CallActivity")) {
      var called = el("input", { type: "text", name: "calledElement", value: bo.calledElement || "",
        onchange: function () { commit(function () { modeling.updateProperties(element, { calledElement: blank(called.value) }); }); } });
      panel.appendChild(row("调用的流程（process id）", called));
    }
    if (isA(bo, "bpmn:ExclusiveGateway") || isA(bo, "bpmn:InclusiveGateway")) { renderGateway(element, bo); }
    if (isA(bo, "bpmn:SequenceFlow")) { renderFlow(element, bo); }
  }

  function renderUserTask(element, bo) {
    var task = extValue(bo, "appr:Task") || {};
    panel.appendChild(row("任务类型（kind）", select(KINDS, task.kind, { name: "kind",
      onchange: function (e) { var v = e.target.value; commit(function () { setTaskAttr(element, "kind", v); }); } }),
      "决定完成该步骤时系统执行的法定规则"));
    var due = el("input", { type: "number", min: "0", step: "1", name: "dueWorkdays", value: task.dueWorkdays || "",
      onchange: function () { commit(function () { setTaskAttr(element, "dueWorkdays", due.value); }); } });
    panel.appendChild(row("办理时限（工作日）", due, "留空：无单独时限"));
    var av = el("input", { type: "checkbox", name: "requiresAudioVideo", checked: task.requiresAudioVideo === "true",
      onchange: function () { commit(function () { setTaskAttr(element, "requiresAudioVideo", av.checked ? "true" : undefined); }); } });
    panel.appendChild(el("label", { class: "prop check" }, [av, " 全过程记录：须上传录音录像，或写明不录的理由", el("small", { class: "tech-key" }, " requiresAudioVideo")]));
    var instr = extValue(bo, "spiffworkflow:InstructionsForEndUser");
    var instrInput = el("textarea", { name: "instructions", rows: "3" });
    instrInput.value = instr ? (instr.text || "").trim() : "";
    instrInput.addEventListener("change", function () {
      commit(function () { setBodyExt(element, "spiffworkflow:InstructionsForEndUser", instrInput.value); });
    });
    panel.appendChild(row("办理说明（显示在任务页）", instrInput));
    renderForm(element, bo);
  }

  function renderForm(element, bo) {
    var box = el("section", { class: "form-editor" });
    panel.appendChild(box);
    var fields = readForm(bo);

    function save() { commit(function () { writeForm(element, fields); }); }
    function redraw() { box.remove(); renderForm(element, element.businessObject); }

    box.appendChild(el("h3", {}, ["表单字段", el("small", { class: "muted" }, fields ? " " + fields.length + " 项" : " 未声明表单")]));
    if (!fields) {
      box.appendChild(el("button", { type: "button", class: "small", onclick: function () {
        fields = [];
        save();
        redraw();
      } }, "声明表单（appr:form）"));
      return;
    }
    fields.forEach(function (f, i) {
      var a = f.attrs;
      function input(attr, attrs) {
        var node = el("input", Object.assign({ type: "text", name: "field-" + attr, value: a[attr] || "",
          onchange: function () { a[attr] = blank(node.value); save(); } }, attrs || {}));
        return node;
      }
      var card = el("fieldset", { class: "field-card", "data-field": a.name || "" });
      var typeSel = select(FIELD_TYPES.map(function (t) { return [t, FIELD_TYPE_NAMES[t]]; }), a.type, { name: "field-type",
        onchange: function () { a.type = typeSel.value; save(); redraw(); } });
      var req = el("input", { type: "checkbox", name: "field-required", checked: a.required === "true",
        onchange: function () { a.required = req.checked ? "true" : (a.required === "false" ? "false" : undefined); save(); } });
      card.appendChild(el("div", { class: "field-head" }, [
        el("span", { class: "field-no" }, String(i + 1)),
        input("name", { placeholder: "字段名（变量名）", class: "field-name", "aria-label": "字段名（变量名）",
          title: "流程变量名：小写英文与下划线，如 correction_items" }),
        typeSel,
        el("label", { class: "check", title: "必填" }, [req, "必填"]),
        el("button", { type: "button", class: "small", title: "上移", disabled: i === 0,
          onclick: function () { fields.splice(i - 1, 0, fields.splice(i, 1)[0]); save(); redraw(); } }, "↑"),
        el("button", { type: "button", class: "small", title: "下移", disabled: i === fields.length - 1,
          onclick: function () { fields.splice(i + 1, 0, fields.splice(i, 1)[0]); save(); redraw(); } }, "↓"),
        el("button", { type: "button", class: "small danger-link", title: "删除字段",
          onclick: function () { fields.splice(i, 1); save(); redraw(); } }, "✕")]));
      card.appendChild(el("div", { class: "field-grid" }, [
        row(named("显示名称", "label"), input("label")), row(named("英文名称", "labelEn"), input("labelEn"))]));
      card.appendChild(row(named("何时必填（并显示）", "requiredIf"), input("requiredIf", { placeholder: "例如 outcome == 'correct'" }),
        "填写条件时，只在条件成立时显示并要求填写"));
      card.appendChild(row(named("何时显示", "visibleIf"), input("visibleIf", { placeholder: "例如 outcome == 'reject'" }),
        "选填字段只在条件成立时显示；不显示时不保留填写的内容"));
      if (a.type === "choice" || a.type === "multichoice" || a.type === "checklist") {
        var keyName = a.type === "checklist" ? "key" : "value";
        var list = a.type === "checklist" ? "items" : "options";
        var lines = el("textarea", { name: "field-" + list, rows: String(Math.max(2, f[list].length + 1)) });
        lines.value = linesOf(f[list], keyName);
        lines.addEventListener("change", function () { f[list] = parseLines(lines.value, keyName); save(); });
        card.appendChild(row(a.type === "checklist" ? "核查项（每行 key=标签|English）" : "选项（每行 值=标签|English）", lines));
      }
      var more = el("details", { class: "field-more", open: ["min", "max", "default", "role", "mustIncludeRole", "help", "helpEn"]
        .some(function (k) { return a[k]; }) || undefined });
      more.appendChild(el("summary", {}, "更多：范围、默认值、人员角色、填写说明"));
      var roleSel = select(ROLES, a.role, { name: "field-role",
        onchange: function () { a.role = blank(roleSel.value); save(); } });
      var mustSel = select(ROLES, a.mustIncludeRole, { name: "field-mustIncludeRole",
        onchange: function () { a.mustIncludeRole = blank(mustSel.value); save(); } });
      more.appendChild(el("div", { class: "field-grid" }, [row(named("最小值 / 最少字数", "min"), input("min")),
        row(named("最大值 / 最多字数", "max"), input("max"))]));
      more.appendChild(row(named("默认值", "default"), input("default")));
      more.appendChild(el("div", { class: "field-grid" }, [row(named("可选人员的角色", "role"), roleSel),
        row(named("至少包含一名", "mustIncludeRole"), mustSel)]));
      more.appendChild(el("div", { class: "field-grid" }, [row(named("填写说明", "help"), input("help")),
        row(named("填写说明（英文）", "helpEn"), input("helpEn"))]));
      card.appendChild(more);
      box.appendChild(card);
    });
    box.appendChild(el("button", { type: "button", class: "small", name: "add-field", onclick: function () {
      var n = 1;
      var names = fields.map(function (f) { return f.attrs.name; });
      while (names.indexOf("field_" + n) >= 0) { n += 1; }
      fields.push({ attrs: { name: "field_" + n, type: "text", label: "新字段" }, options: [], items: [] });
      save();
      redraw();
    } }, "＋ 添加字段"));
  }

  function renderGateway(element, bo) {
    var outgoing = (bo.outgoing || []).map(function (f) { return [f.id, (f.name || "") + (f.name ? " · " : "") + f.id]; });
    var sel = select([["", "（无默认路径）"]].concat(outgoing), bo.default ? bo.default.id : "", { name: "default",
      onchange: function () {
        var flow = sel.value ? registry.get(sel.value) : null;
        commit(function () { modeling.updateProperties(element, { "default": flow ? flow.businessObject : undefined }); });
      } });
    panel.appendChild(row("默认路径", sel, "没有默认路径时，各条件须覆盖所有情况"));
  }

  function renderFlow(element, bo) {
    var source = bo.sourceRef;
    var isDefault = source && source.default === bo;
    if (isA(source, "bpmn:ExclusiveGateway") || isA(source, "bpmn:InclusiveGateway")) {
      var def = el("input", { type: "checkbox", name: "is_default", checked: isDefault,
        onchange: function () {
          var gw = registry.get(source.id);
          commit(function () { modeling.updateProperties(gw, { "default": def.checked ? bo : undefined }); });
          render();
        } });
      panel.appendChild(el("label", { class: "prop check" }, [def, " 网关的默认路径（其他条件都不成立时）"]));
    }
    var cond = el("textarea", { name: "condition", rows: "2", disabled: isDefault || undefined,
      placeholder: "例如 outcome == 'accept'（只允许表达式，不能调用代码）" });
    cond.value = bo.conditionExpression ? (bo.conditionExpression.body || "") : "";
    cond.addEventListener("change", function () {
      var v = blank(cond.value);
      commit(function () {
        modeling.updateProperties(element, { conditionExpression: v === undefined ? undefined
          : moddle.create("bpmn:FormalExpression", { body: v }) });
      });
    });
    panel.appendChild(row("条件表达式", cond, isDefault ? "默认路径没有条件" : "字段名、比较、and / or / not、in"));
  }

  eventBus.on("selection.changed", function (e) {
    current = e.newSelection.length === 1 ? e.newSelection[0] : null;
    if (current && current.type === "label") { current = current.labelTarget; }
    render();
  });
  eventBus.on("commandStack.changed", function () {
    dirty = true;
    if (!quiet) { render(); } // undo / redo / edits on the canvas
  });

  // ------------------------------------------------------------------ validate and deploy

  var dirty = false;
  var marked = [];

  function clearProblems() {
    marked.forEach(function (id) { if (registry.get(id)) { canvas.removeMarker(id, "lint-error"); } });
    marked = [];
    problemsBox.hidden = true;
    problemsBox.querySelector("tbody").textContent = "";
  }

  function showProblems(problems, fallback) {
    var tbody = problemsBox.querySelector("tbody");
    if (!problems.length) {
      problems = [{ message: fallback || "部署被拒绝。" }];
    }
    problems.forEach(function (p) {
      var id = p.element_id || "";
      var target = id && registry.get(id);
      if (target && marked.indexOf(id) < 0) { canvas.addMarker(id, "lint-error"); marked.push(id); }
      var tr = el("tr", { "data-element-id": id, class: target ? "locatable" : "" }, [
        el("td", {}, [el("code", {}, id || "—"), p.file && p.file !== app.dataset.filename ? el("small", { class: "muted" }, " " + p.file) : null]),
        el("td", {}, p.element_name || (target && target.businessObject.name) || ""),
        el("td", {}, p.rule ? el("code", {}, p.rule) : ""),
        el("td", {}, p.message || "")]);
      if (target) {
        tr.addEventListener("click", function () { focusOn(target); selection.select(target); });
      }
      tbody.appendChild(tr);
    });
    problemsBox.hidden = false;
  }

  function focusOn(target) { // centre the element at 100 %
    var pts = target.waypoints || [{ x: target.x, y: target.y }, { x: target.x + target.width, y: target.y + target.height }];
    var xs = pts.map(function (p) { return p.x; });
    var ys = pts.map(function (p) { return p.y; });
    var cx = (Math.min.apply(null, xs) + Math.max.apply(null, xs)) / 2;
    var cy = (Math.min.apply(null, ys) + Math.max.apply(null, ys)) / 2;
    var outer = canvas.viewbox().outer;
    canvas.viewbox({ x: cx - outer.width / 2, y: cy - outer.height / 2, width: outer.width, height: outer.height });
  }

  window.DesignerDeploy.wire({
    app: app, modeler: modeler, noteInput: noteInput, csrf: csrf, status: status,
    clearProblems: clearProblems, showProblems: showProblems, editingIn: panel, defaultFilename: "diagram.bpmn",
    onDeployed: function () { dirty = false; },
    deployedLink: function (v) { return { href: v.registry_url, text: "查看流程设计登记簿" }; },
    invalidText: function (n) { return "校验未通过：" + n + " 个问题，已在图中标红。"; }
  });

  // ------------------------------------------------------------------ load

  // Zoom: buttons beside the canvas (＋ / − / 100 % / fit), so the diagram never opens unreadable.
  (function zoomControls() {
    var host = document.getElementById("modeler-canvas");
    if (!host) { return; }
    var bar = el("div", { class: "zoom-controls", role: "group", "aria-label": "缩放" }, [
      el("button", { type: "button", class: "small", title: "放大", "data-zoom": "in",
        onclick: function () { canvas.zoom(Math.min(canvas.zoom() * 1.25, 4)); } }, "＋"),
      el("button", { type: "button", class: "small", title: "缩小", "data-zoom": "out",
        onclick: function () { canvas.zoom(Math.max(canvas.zoom() / 1.25, 0.2)); } }, "−"),
      el("button", { type: "button", class: "small", title: "原始大小", "data-zoom": "reset",
        onclick: function () { canvas.zoom(1); } }, "100%"),
      el("button", { type: "button", class: "small", title: "适应画布（显示整张图）", "data-zoom": "fit",
        onclick: function () { fit(); } }, "适应画布")]);
    host.appendChild(bar);
  })();

  // fit(minScale): the whole diagram, or at minScale from its top left corner when the whole would be smaller.
  function fit(minScale) { // the whole diagram, clear of the palette on the left, at most at 100 %
    var box = canvas.viewbox();
    var inner = box.inner;
    var outer = box.outer;
    if (!inner.width || !outer.width) { canvas.zoom("fit-viewport", "auto"); return; }
    var palette = document.querySelector("#modeler-canvas .djs-palette");
    var left = palette ? palette.offsetLeft + palette.offsetWidth + 16 : 80;
    var pad = 24;
    var scale = Math.min((outer.width - left - pad) / inner.width, (outer.height - 2 * pad) / inner.height, 1);
    if (minScale && scale < minScale) {
      scale = minScale;
      canvas.viewbox({ x: inner.x - left / scale, y: inner.y - pad / scale,
                       width: outer.width / scale, height: outer.height / scale });
      return;
    }
    var height = outer.height / scale;
    canvas.viewbox({ x: inner.x - left / scale, y: inner.y - (height - inner.height) / 2,
                     width: outer.width / scale, height: height });
  }

  modeler.importXML(xml).then(function (result) {
    fit();  // the whole diagram; the zoom controls (top right) and "100%" make it legible
    dirty = false;
    loaded = true;
    app.dataset.ready = "1";
    render();
    if (result.warnings && result.warnings.length) {
      status("导入时有 " + result.warnings.length + " 条提示（见浏览器控制台）。", "info");
      console.warn(result.warnings); // eslint-disable-line no-console
    }
  }).catch(function (err) {
    status("无法打开此流程图：" + err.message, "error");
  });
})();
