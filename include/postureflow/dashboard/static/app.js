// postureflow dashboard: small progressive enhancements (the pages work without JavaScript).
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  // Forms marked data-autosubmit reload as soon as a choice changes.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  // Drop empty fields so that shared links stay short.
  document.querySelectorAll("form.filters").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("select, input").forEach(function (field) {
        if (field.name && field.value === "") { field.disabled = true; }
      });
    });
  });
});
window.addEventListener("pageshow", function () {
  // Coming back through the history: re-enable what the submit handler disabled.
  document.querySelectorAll("form.filters [disabled]").forEach(function (field) { field.disabled = false; });
});
