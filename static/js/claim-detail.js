// The claim page: htmx swaps in the refreshed page part after each action. A refused
// action (409: someone else changed the claim; 400: bad input) still carries the part
// with its message, so it is swapped in too instead of being dropped silently.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
