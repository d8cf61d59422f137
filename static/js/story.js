// The story board: open or close every claim's spread timeline at once. No inline
// script (the CSP forbids it): the page opts in with [data-spread-toggle].
(function () {
  "use strict";
  var button = document.querySelector("[data-spread-toggle]");
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    var all = document.querySelectorAll(".story-board details.spread");
    var open = button.getAttribute("aria-pressed") !== "true";
    all.forEach(function (details) {
      details.open = open;
    });
    button.setAttribute("aria-pressed", open ? "true" : "false");
    button.textContent = button.getAttribute(open ? "data-label-close" : "data-label-open");
  });
})();
