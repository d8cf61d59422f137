// Select-to-attribute in the article reader, for editors. No inline script (the CSP
// forbids it): the page opts in by holding #attribute-form.
//
// Offsets: the server counts Python str characters (Unicode code points) of the article's
// body or title. The reader renders the text as segments (.seg) that carry data-offset /
// data-end in those units; a DOM selection is mapped to them here. JavaScript strings count
// UTF-16 code units (an emoji is two), so lengths are converted with codePoints().
(function () {
  "use strict";

  var form = document.getElementById("attribute-form");
  if (!form) {
    return;
  }
  var panel = document.getElementById("attribute-panel");
  var title = document.getElementById("attribute-title");
  var quoteBox = document.getElementById("attribute-quote");
  var spanBox = document.getElementById("attribute-span");
  var errorBox = document.getElementById("attribute-error");
  var existing = document.getElementById("attribute-existing");
  var parties = document.getElementById("attribute-new");
  var targets = document.getElementById("attribute-targets");
  var newLabel = document.querySelector("label[for=attribute-mode-new]");
  var newAction = form.getAttribute("data-new-action");
  var editing = false;

  function message(name) {
    return form.getAttribute("data-msg-" + name) || name;
  }

  function codePoints(text) {
    var count = 0;
    for (var i = 0; i < text.length; i++) {
      var unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
        var next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
        }
      }
      count++;
    }
    return count;
  }

  function elementOf(node) {
    return node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
  }

  function fieldOf(node) {
    var element = elementOf(node);
    return element ? element.closest("[data-field]") : null;
  }

  function segments(field) {
    return Array.prototype.slice.call(field.querySelectorAll(".seg"));
  }

  function startOf(segment) {
    return parseInt(segment.getAttribute("data-offset"), 10);
  }

  function endOf(segment) {
    return parseInt(segment.getAttribute("data-end"), 10);
  }

  // Every segment must hold exactly the characters its offsets say, or nothing maps.
  function intact(field) {
    return segments(field).every(function (segment) {
      return codePoints(segment.textContent) === endOf(segment) - startOf(segment);
    });
  }

  // A boundary point of the selection as an offset into the field's text.
  function offsetOf(field, node, offset, isEnd) {
    var element = elementOf(node);
    var segment = element ? element.closest(".seg") : null;
    if (segment && field.contains(segment)) {
      var before = document.createRange();
      before.setStart(segment, 0);
      before.setEnd(node, offset);
      return startOf(segment) + codePoints(before.toString());
    }
    // Between segments (a paragraph's edge, a mark's edge): the nearest segment edge
    // inside the selection.
    var list = segments(field);
    var probe = document.createRange();
    var i;
    if (isEnd) {
      for (i = list.length - 1; i >= 0; i--) {
        probe.selectNodeContents(list[i]);
        if (probe.comparePoint(node, offset) >= 0) {
          return endOf(list[i]);
        }
      }
      return null;
    }
    for (i = 0; i < list.length; i++) {
      probe.selectNodeContents(list[i]);
      if (probe.comparePoint(node, offset) <= 0) {
        return startOf(list[i]);
      }
    }
    return null;
  }

  // The field's text between two offsets, rebuilt from the segments; what lies between
  // paragraphs is line breaks.
  function textBetween(field, start, end) {
    var text = "";
    var position = start;
    segments(field).forEach(function (segment) {
      var from = startOf(segment);
      var to = endOf(segment);
      if (to <= start || from >= end) {
        return;
      }
      if (from > position) {
        text += new Array(from - position + 1).join("\n");
      }
      var chars = Array.from(segment.textContent);
      text += chars.slice(Math.max(start, from) - from, Math.min(end, to) - from).join("");
      position = Math.min(end, to);
    });
    return text;
  }

  function readSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) {
      return null;
    }
    var range = selection.getRangeAt(0);
    var field = fieldOf(range.startContainer);
    var endField = fieldOf(range.endContainer);
    if (!field && !endField) {
      return null;
    }
    if (field !== endField) {
      return { error: message("two-fields") };
    }
    if (!intact(field)) {
      return { error: message("unmapped") };
    }
    var start = offsetOf(field, range.startContainer, range.startOffset, false);
    var end = offsetOf(field, range.endContainer, range.endOffset, true);
    if (start === null || end === null || end <= start) {
      return null;
    }
    var text = textBetween(field, start, end);
    // Blanks at the edges are not part of the quote (whitespace is one code unit each).
    var lead = text.length - text.replace(/^\s+/, "").length;
    var trail = text.length - text.replace(/\s+$/, "").length;
    text = text.trim();
    if (!text) {
      return null;
    }
    return {
      field: field.getAttribute("data-field"),
      start: start + lead,
      end: end - trail,
      quote: text,
    };
  }

  function showError(text) {
    errorBox.textContent = text;
    errorBox.classList.toggle("d-none", !text);
  }

  function setSpan(span) {
    form.elements.start.value = span.start;
    form.elements.end.value = span.end;
    form.elements.field.value = span.field;
    form.elements.quote.value = span.quote;
    quoteBox.textContent = span.quote;
    spanBox.textContent = span.field + " [" + span.start + ", " + span.end + ")";
  }

  function setMode(mode) {
    var useExisting = mode === "existing";
    form.elements.mode.value = mode;
    existing.disabled = !useExisting;
    existing.hidden = !useExisting;
    parties.disabled = useExisting;
    parties.hidden = useExisting;
  }

  function targetInputs() {
    return Array.prototype.slice.call(targets.querySelectorAll("input.attribute-target"));
  }

  function setTargets(names) {
    var inputs = targetInputs();
    inputs.slice(1).forEach(function (input) {
      input.remove();
    });
    inputs[0].value = names[0] || "";
    names.slice(1).forEach(function (name) {
      addTarget().value = name;
    });
  }

  function addTarget() {
    var inputs = targetInputs();
    var copy = inputs[0].cloneNode(false);
    copy.value = "";
    copy.id = "attribute-target-" + inputs.length;
    targets.appendChild(copy);
    return copy;
  }

  function resetForNew() {
    editing = false;
    form.setAttribute("action", newAction);
    form.elements.version.value = "";
    title.textContent = title.getAttribute("data-title-new");
    newLabel.textContent = newLabel.getAttribute("data-label-new");
    form.elements.claim.value = "";
    setMode("new");
  }

  function open() {
    showError("");
    window.bootstrap.Offcanvas.getOrCreateInstance(panel).show();
  }

  function onSelect(event) {
    if (event && event.target && panel.contains(event.target)) {
      return;
    }
    // Let the browser finish updating the selection first.
    window.setTimeout(function () {
      var span = readSelection();
      if (!span) {
        return;
      }
      if (span.error) {
        if (panel.classList.contains("show")) {
          showError(span.error);
        }
        return;
      }
      if (!editing) {
        resetForNew();
      }
      setSpan(span);
      open();
    }, 0);
  }

  document.addEventListener("mouseup", onSelect);
  document.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") {
      onSelect(event);
    }
  });

  // A drag that starts and ends on a highlighted mention selects text; it does not
  // follow the mention's link.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".mention-link") : null;
    var selection = window.getSelection();
    if (link && selection && !selection.isCollapsed) {
      event.preventDefault();
    }
  });

  form.addEventListener("change", function (event) {
    if (event.target.name === "mode") {
      setMode(event.target.value);
    }
  });

  document.getElementById("attribute-add-target").addEventListener("click", function () {
    addTarget().focus();
  });

  // "Edit" beside a mention: the panel changes that attribution; selecting text while it
  // is open changes the span.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".mention-edit") : null;
    if (!button) {
      return;
    }
    editing = true;
    form.setAttribute("action", button.getAttribute("data-edit-url"));
    title.textContent = title.getAttribute("data-title-edit");
    newLabel.textContent = newLabel.getAttribute("data-label-edit");
    form.elements.version.value = button.getAttribute("data-version");
    setSpan({
      field: button.getAttribute("data-field"),
      start: parseInt(button.getAttribute("data-start"), 10),
      end: parseInt(button.getAttribute("data-end"), 10),
      quote: button.getAttribute("data-quote"),
    });
    setMode("new");
    form.elements.claim.value = "";
    form.elements.type.value = button.getAttribute("data-type");
    form.elements.claimant.value = button.getAttribute("data-claimant");
    form.elements.speaker.value = button.getAttribute("data-speaker");
    form.elements.responds_to.value = button.getAttribute("data-responds-to");
    form.elements.cue.value = button.getAttribute("data-cue");
    form.elements.direct.checked = button.getAttribute("data-direct") === "1";
    var names = button.getAttribute("data-targets");
    setTargets(names ? names.split("\n") : []);
    open();
  });

  panel.addEventListener("hidden.bs.offcanvas", function () {
    if (editing) {
      resetForNew();
    }
  });

  function reloadAt(url) {
    var target = new URL(url, window.location.href);
    var here = window.location;
    if (target.pathname + target.search === here.pathname + here.search) {
      here.hash = target.hash;
      here.reload();
    } else {
      here.assign(target.href);
    }
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!form.elements.start.value) {
      showError(message("no-span"));
      return;
    }
    showError("");
    var button = document.getElementById("attribute-submit");
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "X-CSRFToken": form.elements.csrfmiddlewaretoken.value,
      },
    })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return { error: message("failed") + " (" + response.status + ")." };
          })
          .then(function (data) {
            return { ok: response.ok, data: data };
          });
      })
      .then(function (result) {
        if (result.ok && result.data.redirect) {
          reloadAt(result.data.redirect);
          return;
        }
        button.disabled = false;
        showError(result.data.error || message("failed"));
      })
      .catch(function () {
        button.disabled = false;
        showError(message("network"));
      });
  });
})();
