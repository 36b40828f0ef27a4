// The task page's document previews: each preview button submits the task form, as filled in now, to the
// preview address in a new tab (formaction/formtarget), so the preview shows exactly what would be issued.
(function () {
  var submit = document.querySelector('button[name="action"][value="submit"]');
  var form = submit && submit.form;
  if (!form) return;
  if (!form.id) form.id = "task-form";
  document.querySelectorAll("button[data-document-preview]").forEach(function (button) {
    button.setAttribute("form", form.id);
    button.type = "submit";
  });
})();
