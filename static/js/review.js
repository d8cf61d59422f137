// The review queue's keyboard: j/k next/previous, c confirm, r reject, t tag, x tick,
// o open, ? help. Every key does what a visible button does: it submits that button's
// form (htmx swaps the claim in place; without htmx the form posts and comes back).
(function () {
  "use strict";
  var list = document.querySelector("[data-review-queue]");
  var help = document.getElementById("review-help");
  var helpToggle = document.getElementById("review-help-toggle");
  var focusedId = null;
  // After c or r on a claim, focus moves on to the next one still proposed, once the
  // server has answered (and only if the decision was taken: a refused one stays).
  var advanceFrom = null;

  function items() {
    return list ? Array.prototype.slice.call(list.querySelectorAll(".review-item")) : [];
  }

  function current() {
    return focusedId ? document.getElementById("review-item-" + focusedId) : null;
  }

  function focus(item, scroll) {
    items().forEach(function (each) {
      each.classList.remove("focused");
      each.removeAttribute("aria-current");
    });
    if (!item) {
      return;
    }
    item.classList.add("focused");
    item.setAttribute("aria-current", "true");
    focusedId = item.getAttribute("data-claim-id");
    if (scroll) {
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    var all = items();
    if (!all.length) {
      return;
    }
    var index = all.indexOf(current());
    var next = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    focus(all[next], true);
  }

  function nextProposed(item) {
    var all = items();
    var index = all.indexOf(item);
    for (var i = index + 1; i < all.length; i += 1) {
      if (all[i].getAttribute("data-status") === "proposed") {
        return all[i];
      }
    }
    return null;
  }

  function submit(action) {
    var item = current();
    var form = item && item.querySelector('form[data-action="' + action + '"]');
    var button = form && form.querySelector("button[type=submit]");
    if (!form || (button && button.disabled)) {
      return;
    }
    if (action === "confirm" || action === "reject") {
      advanceFrom = focusedId;
    }
    form.requestSubmit();
  }

  function toggleHelp(show) {
    if (!help) {
      return;
    }
    var visible = typeof show === "boolean" ? show : help.hidden;
    help.hidden = !visible;
    if (helpToggle) {
      helpToggle.setAttribute("aria-expanded", visible ? "true" : "false");
    }
  }

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) {
      return;
    }
    if (typing(event.target)) {
      if (event.key === "Escape") {
        event.target.blur();
      }
      return;
    }
    var item = current();
    switch (event.key) {
      case "j":
        move(1);
        break;
      case "k":
        move(-1);
        break;
      case "c":
        submit("confirm");
        break;
      case "r":
        submit("reject");
        break;
      case "t":
        if (item && item.querySelector(".tag-input")) {
          item.querySelector(".tag-input").focus();
        }
        break;
      case "x":
        if (item && item.querySelector(".bulk-check:not(:disabled)")) {
          item.querySelector(".bulk-check").click();
        }
        break;
      case "o":
        if (item) {
          window.location.assign(item.getAttribute("data-url"));
        }
        break;
      case "?":
        toggleHelp();
        break;
      case "Escape":
        toggleHelp(false);
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  if (helpToggle) {
    helpToggle.addEventListener("click", function () {
      toggleHelp();
    });
  }

  if (list) {
    // A click anywhere on a claim puts it in focus (its buttons still work as usual).
    list.addEventListener("click", function (event) {
      var item = event.target.closest(".review-item");
      if (item && item !== current()) {
        focus(item, false);
      }
    });
    list.addEventListener("submit", function (event) {
      var action = event.target.getAttribute("data-action");
      var item = event.target.closest(".review-item");
      if (item && (action === "confirm" || action === "reject")) {
        focus(item, false);
        advanceFrom = item.getAttribute("data-claim-id");
      }
    });
    var start = items()[0];
    var wanted = window.location.hash.match(/^#review-item-(\d+)$/);
    if (wanted && document.getElementById("review-item-" + wanted[1])) {
      start = document.getElementById("review-item-" + wanted[1]);
    }
    focus(start, false);
  }

  // A refused action (409: someone else changed the claim; 400: bad input) still
  // answers with the claim and its message: swap it in rather than drop it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 409 || status === 400) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The claim came back from the server: keep it in focus, or move on after a decision.
  document.addEventListener("htmx:afterSettle", function () {
    var item = current();
    if (!item) {
      return;
    }
    if (advanceFrom === focusedId && item.getAttribute("data-status") !== "proposed") {
      advanceFrom = null;
      focus(nextProposed(item) || item, true);
      return;
    }
    advanceFrom = null;
    focus(item, false);
  });

  // Bulk bar: tick all, and say how many are ticked.
  var all = document.getElementById("bulk-all");
  var count = document.getElementById("bulk-count");
  function countTicked() {
    if (!count) {
      return;
    }
    var ticked = document.querySelectorAll(".bulk-check:checked").length;
    count.textContent = ticked ? String(ticked) + " ✓" : "";
  }
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll(".bulk-check:not(:disabled)").forEach(function (box) {
        box.checked = all.checked;
      });
      countTicked();
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.classList && event.target.classList.contains("bulk-check")) {
      countTicked();
    }
  });
})();
