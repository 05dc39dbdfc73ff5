(function () {
  "use strict";
  var search = document.getElementById("pf-search");
  var severity = document.getElementById("pf-severity");
  var shown = document.getElementById("pf-shown");
  if (!search || !severity) { return; }
  function apply() {
    var needle = search.value.trim().toLowerCase();
    var level = severity.value;
    var total = 0;
    var groups = document.querySelectorAll("details.check");
    for (var i = 0; i < groups.length; i++) {
      var group = groups[i];
      var levelOk = !level || group.getAttribute("data-severity") === level;
      var headText = group.querySelector("summary").textContent.toLowerCase();
      var rows = group.querySelectorAll("tbody tr");
      var visible = 0;
      for (var j = 0; j < rows.length; j++) {
        var match = levelOk && (!needle || headText.indexOf(needle) >= 0 || rows[j].textContent.toLowerCase().indexOf(needle) >= 0);
        rows[j].hidden = !match;
        if (match) { visible++; }
      }
      group.hidden = visible === 0;
      if (needle && visible > 0) { group.open = true; }
      total += visible;
    }
    if (shown) { shown.textContent = String(total); }
  }
  search.addEventListener("input", apply);
  severity.addEventListener("change", apply);
})();
