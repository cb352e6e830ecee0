// rhetor: optional progressive enhancement for the article page. Without it, highlights still
// show their technique on hover (title) and on keyboard focus (CSS). With it, the panel under the
// text shows the focused or hovered highlight with a link to the technique's definition.
(function () {
  "use strict";
  var detail = document.querySelector(".detail");
  if (!detail) { return; }
  function show(mark) {
    var tip = mark.getAttribute("data-tip") || "";
    detail.textContent = "";
    tip.split("\n").forEach(function (line) {
      var p = document.createElement("p");
      p.textContent = line;
      detail.appendChild(p);
    });
    // A link to each technique's entry in the taxonomy.
    var labels = (mark.getAttribute("data-labels") || "").split(" ").filter(Boolean);
    if (labels.length) {
      var p = document.createElement("p");
      labels.forEach(function (label, i) {
        if (i) { p.appendChild(document.createTextNode(" · ")); }
        var a = document.createElement("a");
        a.href = "/techniques#" + encodeURIComponent(label);
        a.textContent = "About " + label.replace(/_/g, " ");
        p.appendChild(a);
      });
      detail.appendChild(p);
    }
    detail.hidden = false;
  }
  document.addEventListener("focusin", function (e) {
    var t = e.target;
    if (t && t.matches && t.matches("mark.hl[data-tip]")) { show(t); }
  });
  document.addEventListener("mouseover", function (e) {
    var t = e.target && e.target.closest ? e.target.closest("mark.hl[data-tip]") : null;
    if (t) { show(t); }
  });
})();
